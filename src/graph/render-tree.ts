// Renders a graph as `-o tree`: one tree per root, like `tree` or `kubectl tree`, then whatever no root reaches.

import { compareRefs, describeRef, refKey } from '../model/object-ref.ts';
import type { Graph, GraphNode } from './build-graph.ts';
import { graphRoots } from './graph-queries.ts';

/** The heading above objects that no root reaches. */
export const UNREACHABLE_HEADING = 'Not reachable from a VM, VMI, replica set or pool:';

interface Child {
  node: GraphNode;
  /** Optional only when every edge between the pair is optional. */
  optional: boolean;
}

function childrenByParent(graph: Graph, nodes: Map<string, GraphNode>): Map<string, Child[]> {
  const children = new Map<string, Map<string, Child>>();
  for (const edge of graph.edges) {
    const fromKey = refKey(edge.from);
    const toKey = refKey(edge.to);
    const node = nodes.get(toKey);
    if (!node) continue;
    let byTarget = children.get(fromKey);
    if (!byTarget) children.set(fromKey, (byTarget = new Map()));
    const child = byTarget.get(toKey);
    if (child) child.optional &&= edge.optional;
    else byTarget.set(toKey, { node, optional: edge.optional });
  }
  const sorted = (byTarget: Map<string, Child>) => [...byTarget.values()].sort((a, b) => compareRefs(a.node, b.node));
  return new Map([...children].map(([key, byTarget]) => [key, sorted(byTarget)]));
}

function label(node: GraphNode, optional: boolean): string {
  const marks = [optional && 'optional', node.missing && 'missing', node.external && 'external'].filter(Boolean);
  return marks.length > 0 ? `${describeRef(node)} [${marks.join(', ')}]` : describeRef(node);
}

/**
 * The `-o tree` text: a tree per root (see graphRoots), children sorted, each marked optional / missing /
 * external. Within one tree a node is expanded once; later mentions say "(see above)", which also ends cycles.
 * Objects no root reaches follow under UNREACHABLE_HEADING, as trees from those nothing else there links to.
 */
export function renderTree(graph: Graph): string {
  const nodes = new Map(graph.nodes.map((node) => [refKey(node), node]));
  const children = childrenByParent(graph, nodes);
  const reached = new Set<string>();
  const lines: string[] = [];

  const renderFrom = (root: GraphNode): void => {
    const expanded = new Set<string>([refKey(root)]);
    reached.add(refKey(root));
    lines.push(label(root, false));
    const walk = (parentKey: string, indent: string): void => {
      const list = children.get(parentKey) ?? [];
      list.forEach((child, i) => {
        const last = i === list.length - 1;
        const key = refKey(child.node);
        const seen = expanded.has(key);
        const more = seen && (children.get(key)?.length ?? 0) > 0 ? ' (see above)' : '';
        lines.push(`${indent}${last ? '└── ' : '├── '}${label(child.node, child.optional)}${more}`);
        reached.add(key);
        if (seen) return;
        expanded.add(key);
        walk(key, indent + (last ? '    ' : '│   '));
      });
    };
    walk(refKey(root), '');
  };

  const roots = graphRoots(graph);
  roots.forEach((root, i) => {
    if (i > 0) lines.push('');
    renderFrom(root);
  });

  const unreached = graph.nodes.filter((node) => !reached.has(refKey(node)));
  if (unreached.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(UNREACHABLE_HEADING);
    const linkedFromUnreached = new Set<string>();
    const unreachedKeys = new Set(unreached.map(refKey));
    for (const edge of graph.edges) {
      const fromKey = refKey(edge.from);
      if (unreachedKeys.has(fromKey) && fromKey !== refKey(edge.to)) linkedFromUnreached.add(refKey(edge.to));
    }
    // Start from the objects nothing else unreached links to; then any left over (cycles) in order.
    const starts = [...unreached.filter((node) => !linkedFromUnreached.has(refKey(node))), ...unreached];
    for (const node of starts) {
      if (!reached.has(refKey(node))) renderFrom(node);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

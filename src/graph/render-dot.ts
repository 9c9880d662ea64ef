// Renders a graph as Graphviz `dot` input (`-o dot`): deterministic, ids quoted, optional edges dashed.

import { refKey, type ObjectRef } from '../model/object-ref.ts';
import type { Graph, GraphNode } from './build-graph.ts';

/** A DOT double-quoted string: backslashes and quotes escaped, newlines as DOT line breaks. */
export function dotString(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

function nodeId(ref: ObjectRef): string {
  return dotString(refKey(ref));
}

function nodeLabel(node: GraphNode): string {
  const kind = node.group === '' ? node.kind : `${node.kind}.${node.group}`;
  const name = node.namespace === '' ? node.name : `${node.namespace}/${node.name}`;
  const marks = [node.missing && 'missing', node.external && 'external'].filter(Boolean);
  return [kind, name, ...(marks.length > 0 ? [`(${marks.join(', ')})`] : [])].join('\n');
}

function nodeAttributes(node: GraphNode): string {
  const styles = [node.missing && 'dashed', node.external && 'rounded'].filter(Boolean);
  const attributes = [`label=${dotString(nodeLabel(node))}`];
  if (styles.length > 0) attributes.push(`style=${dotString(styles.join(','))}`);
  if (node.missing) attributes.push('color="red"', 'fontcolor="red"');
  return attributes.join(', ');
}

/**
 * The `-o dot` text, in graph order. Missing nodes are red and dashed, external ones rounded, optional edges dashed;
 * each edge is labelled with its reason.
 */
export function renderDot(graph: Graph): string {
  const lines = ['digraph kvbackup {', '  rankdir="LR";', '  node [shape="box"];'];
  for (const node of graph.nodes) lines.push(`  ${nodeId(node)} [${nodeAttributes(node)}];`);
  for (const edge of graph.edges) {
    const attributes = [`label=${dotString(edge.reason)}`];
    if (edge.optional) attributes.push('style="dashed"');
    lines.push(`  ${nodeId(edge.from)} -> ${nodeId(edge.to)} [${attributes.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

// Questions asked of a built graph: which required targets are missing, and where the trees start.

import { Kinds, type GroupKind } from '../model/kinds.ts';
import { compareRefs, describeRef, kindKey, refKey, type ObjectRef } from '../model/object-ref.ts';

import type { Graph, GraphNode } from './build-graph.ts';

/** A missing object (its ref) that at least one non-optional edge needs, with every such edge's referrer and reason. */
export interface MissingTarget extends ObjectRef {
  neededBy: { from: ObjectRef; reason: string }[];
}

/**
 * The missing targets of non-optional edges, sorted: what `--require-complete` lists and fails on. Missing
 * targets of optional edges (recreated objects, external instancetypes) are not listed.
 */
export function missingRequired(graph: Graph): MissingTarget[] {
  const missing = new Set(graph.nodes.filter((node) => node.missing).map(refKey));
  const byTarget = new Map<string, MissingTarget>();
  // graph.edges is sorted by from, to, reason, so each neededBy list comes out sorted too.
  for (const edge of graph.edges) {
    const key = refKey(edge.to);
    if (edge.optional || !missing.has(key)) continue;
    let entry = byTarget.get(key);
    if (!entry) {
      entry = { ...edge.to, neededBy: [] };
      byTarget.set(key, entry);
    }
    entry.neededBy.push({ from: edge.from, reason: edge.reason });
  }
  return [...byTarget.values()].sort(compareRefs);
}

/** One line per missing target: `PersistentVolumeClaim ns1/disk (needed by VirtualMachine.kubevirt.io ns1/vm: <reason>)`. */
export function describeMissing(missing: MissingTarget): string {
  const needers = missing.neededBy.map(({ from, reason }) => `${describeRef(from)}: ${reason}`).join('; ');
  return `${describeRef(missing)} (needed by ${needers})`;
}

/** The kinds a tree can start from: VMs, VMIs, replica sets and pools. */
export const ROOT_KINDS: readonly GroupKind[] = [
  Kinds.VirtualMachine,
  Kinds.VirtualMachineInstance,
  Kinds.VirtualMachineInstanceReplicaSet,
  Kinds.VirtualMachinePool,
];

const rootKeys = new Set(ROOT_KINDS.map((kind) => kindKey(kind.group, kind.kind)));

function isRootKind(ref: ObjectRef): boolean {
  return rootKeys.has(kindKey(ref.group, ref.kind));
}

/**
 * The roots, sorted: present VMs, VMIs, replica sets and pools that no other of those kinds links to. So a VM a
 * pool runs, and a VMI a VM or replica set runs, are not roots; an owned VMI whose owner is not in the input is.
 */
export function graphRoots(graph: Graph): GraphNode[] {
  const ownedByRootKind = new Set<string>();
  for (const edge of graph.edges) {
    if (isRootKind(edge.from) && isRootKind(edge.to) && refKey(edge.from) !== refKey(edge.to)) {
      ownedByRootKind.add(refKey(edge.to));
    }
  }
  return graph.nodes.filter((node) => !node.missing && isRootKind(node) && !ownedByRootKind.has(refKey(node)));
}

// Reads a VM's `spec.instancetype` / `spec.preference` matcher the way KubeVirt resolves its `kind`.

import { get, isRecord } from '../model/kube-object.ts';
import { Kinds, type GroupKind } from '../model/kinds.ts';
import type { EdgeTarget } from './edge-family.ts';
import { edgeTo, nonEmpty } from './edge-target.ts';
import type { SpecSite } from './templates.ts';

/** Which matcher: `spec.instancetype` or `spec.preference`. */
export type MatcherField = 'instancetype' | 'preference';

const MATCHER_KINDS: Record<MatcherField, { namespaced: GroupKind; cluster: GroupKind }> = {
  instancetype: { namespaced: Kinds.VirtualMachineInstancetype, cluster: Kinds.VirtualMachineClusterInstancetype },
  preference: { namespaced: Kinds.VirtualMachinePreference, cluster: Kinds.VirtualMachineClusterPreference },
};

/**
 * The kind a matcher names. KubeVirt compares `kind` case-insensitively, accepts singular and plural resource
 * names, and takes an empty `kind` as the cluster-scoped one; anything else it rejects, so it yields undefined.
 */
export function matcherKind(field: MatcherField, kind: unknown): GroupKind | undefined {
  const kinds = MATCHER_KINDS[field];
  const lower = typeof kind === 'string' ? kind.toLowerCase() : '';
  const namespaced = kinds.namespaced.kind.toLowerCase();
  const cluster = kinds.cluster.kind.toLowerCase();
  if (lower === namespaced || lower === `${namespaced}s`) return kinds.namespaced;
  if (lower === '' || lower === cluster || lower === `${cluster}s`) return kinds.cluster;
  return undefined;
}

/**
 * The edge from a VM spec to the instancetype or preference its matcher names. Cluster-scoped targets are optional:
 * they are not the VM's to carry, and must already exist on the target cluster (the graph marks them external).
 */
export function matcherEdges(vm: SpecSite | undefined, field: MatcherField, namespace: string): EdgeTarget[] {
  const matcher = vm?.spec[field];
  if (!vm || !isRecord(matcher)) return [];
  const name = nonEmpty(get(matcher, 'name'));
  const kind = matcherKind(field, get(matcher, 'kind'));
  if (!name || !kind) return [];
  const clusterScoped = kind === MATCHER_KINDS[field].cluster;
  return [edgeTo(kind, namespace, name, `${vm.path}.${field}.name`, clusterScoped)];
}

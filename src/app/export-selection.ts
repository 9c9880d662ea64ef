// Pure decisions of `export`: which roots are selected, what they pull in, which guests to freeze, manifest fixes.

import { ClusterError, UsageError } from '../errors.ts';
import { graphRoots, ROOT_KINDS, type Graph } from '../graph/index.ts';
import { get, getArray, getString, isRecord, type KubeObject } from '../model/kube-object.ts';
import { Kinds } from '../model/kinds.ts';
import type { ObjectIndex } from '../model/object-index.ts';
import { compareRefs, describeRef, kindKey, refKey, type ObjectRef } from '../model/object-ref.ts';

const rootKindKeys = new Set(ROOT_KINDS.map((kind) => kindKey(kind.group, kind.kind)));

export interface SelectionInput {
  /** VM, VMI, replica set or pool names from the command line (in `namespace`). */
  names: readonly string[];
  /** The namespace names refer to. */
  namespace: string | undefined;
  /** With `-l`: the refs of root-kind objects the apiserver returned for the selector. */
  labelled?: ReadonlySet<string> | undefined;
}

/**
 * The selected roots, sorted. Without names: every root of the graph (VMs not run by a pool, standalone VMIs,
 * replica sets, pools), narrowed to the labelled ones with `-l`. With names: for each name, the root-kind objects
 * of that name that are roots (a VM, not the VMI it runs), or all of them when none is (a VM a pool runs).
 * @throws ClusterError naming every name that matches nothing.
 */
export function selectRoots(graph: Graph, input: SelectionInput): ObjectRef[] {
  const roots = graphRoots(graph);
  if (input.names.length === 0) {
    const picked = input.labelled ? roots.filter((root) => input.labelled?.has(refKey(root))) : roots;
    return picked.map(plain).sort(compareRefs);
  }
  if (input.labelled) throw new UsageError('give VM names or a label selector (-l), not both');
  const rootKeys = new Set(roots.map(refKey));
  const chosen = new Map<string, ObjectRef>();
  const unknown: string[] = [];
  for (const name of input.names) {
    const matches = graph.nodes.filter(
      (node) => !node.missing && node.name === name && node.namespace === input.namespace && rootKindKeys.has(kindKey(node.group, node.kind)),
    );
    if (matches.length === 0) {
      unknown.push(name);
      continue;
    }
    const asRoots = matches.filter((match) => rootKeys.has(refKey(match)));
    for (const match of asRoots.length > 0 ? asRoots : matches) chosen.set(refKey(match), plain(match));
  }
  if (unknown.length > 0) {
    throw new ClusterError(
      `not found in namespace ${input.namespace}: ${unknown.map((n) => `"${n}"`).join(', ')} (no VirtualMachine, VirtualMachineInstance, VirtualMachineInstanceReplicaSet or VirtualMachinePool of that name)`,
    );
  }
  return [...chosen.values()].sort(compareRefs);
}

/** Every node reachable from `roots` along the graph's edges (roots included), sorted. */
export function closure(graph: Graph, roots: readonly ObjectRef[]): ObjectRef[] {
  const next = new Map<string, ObjectRef[]>();
  for (const edge of graph.edges) {
    const key = refKey(edge.from);
    const list = next.get(key);
    if (list) list.push(edge.to);
    else next.set(key, [edge.to]);
  }
  const seen = new Map<string, ObjectRef>();
  const queue = [...roots];
  while (queue.length > 0) {
    const ref = queue.pop() as ObjectRef;
    const key = refKey(ref);
    if (seen.has(key)) continue;
    seen.set(key, plain(ref));
    queue.push(...(next.get(key) ?? []));
  }
  return [...seen.values()].sort(compareRefs);
}

/** `--quiesce`: `auto` freezes running guests whose agent is connected; `always` requires every running guest to be frozen. */
export type QuiesceMode = 'auto' | 'always' | 'never';

/** What happens to one VM's guest before its snapshot. */
export interface QuiesceDecision {
  vm: ObjectRef;
  /** The VMI to freeze, when it is frozen. */
  freeze: ObjectRef | undefined;
  /** Why (not) frozen, for `--dry-run` and `-v`. */
  reason: string;
}

/** True when the condition `type` of `object` has status "True". */
export function hasCondition(object: KubeObject | undefined, type: string): boolean {
  return getArray(object, 'status', 'conditions').some((condition) => get(condition, 'type') === type && get(condition, 'status') === 'True');
}

/**
 * Decides per VM whether its guest is frozen. A guest is freezable when its VMI runs (phase Running), is not paused
 * (freezing a paused guest fails; the snapshot of a paused VM is consistent without it), and its AgentConnected
 * condition is True. With `always`, a running guest that is not freezable is an error, raised before any change.
 */
export function planQuiesce(index: ObjectIndex, vms: readonly ObjectRef[], mode: QuiesceMode): QuiesceDecision[] {
  const problems: string[] = [];
  const decisions = vms.map((vm): QuiesceDecision => {
    const vmiRef = { ...Kinds.VirtualMachineInstance, namespace: vm.namespace, name: vm.name };
    const vmi = index.get(vmiRef);
    const phase = getString(vmi, 'status', 'phase');
    if (mode === 'never') return { vm, freeze: undefined, reason: '--quiesce never' };
    if (!vmi || phase !== 'Running') return { vm, freeze: undefined, reason: vmi ? `VMI phase ${phase ?? 'unknown'}: nothing to freeze` : 'not running: nothing to freeze' };
    if (hasCondition(vmi, 'Paused')) return { vm, freeze: undefined, reason: 'paused: consistent without a freeze' };
    if (!hasCondition(vmi, 'AgentConnected')) {
      if (mode === 'always') problems.push(`${describeRef(vm)}: running, but its guest agent is not connected (condition AgentConnected is not True)`);
      return { vm, freeze: undefined, reason: 'guest agent not connected: crash-consistent' };
    }
    return { vm, freeze: vmiRef, reason: 'running with a connected guest agent' };
  });
  if (problems.length > 0) throw new ClusterError(`--quiesce always: ${problems.length} guest${problems.length === 1 ? '' : 's'} cannot be frozen`, problems);
  return decisions;
}

/**
 * The VM as the bundle stores it: the instancetype and preference revision names KubeVirt recorded in status are
 * copied into spec when spec lacks them, so a restore pins the same revision (the ControllerRevision travels in the
 * bundle). The input is not changed.
 */
export function withRevisionNames(vm: KubeObject): KubeObject {
  let spec = isRecord(vm.spec) ? vm.spec : undefined;
  if (!spec) return vm;
  for (const [field, statusField] of [
    ['instancetype', 'instancetypeRef'],
    ['preference', 'preferenceRef'],
  ] as const) {
    const matcher: unknown = spec[field];
    const revision = getString(vm, 'status', statusField, 'controllerRevisionRef', 'name');
    if (!isRecord(matcher) || !revision || getString(matcher, 'revisionName')) continue;
    spec = { ...spec, [field]: { ...matcher, revisionName: revision } };
  }
  return spec === vm.spec ? vm : { ...vm, spec: spec as KubeObject['spec'] };
}

/** The VMs among refs (pool members included), sorted. */
export function virtualMachinesOf(refs: readonly ObjectRef[], index: ObjectIndex): ObjectRef[] {
  return refs.filter((ref) => ref.group === Kinds.VirtualMachine.group && ref.kind === Kinds.VirtualMachine.kind && index.has(ref));
}

function plain(ref: ObjectRef): ObjectRef {
  return { group: ref.group, kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

/** Annotations recording, on each exported VM, how its snapshot was taken. */
export const RecordAnnotations = {
  quiesced: 'kubectl-kvbackup/quiesced',
  snapshot: 'kubectl-kvbackup/snapshot',
  sourceIndications: 'kubectl-kvbackup/source-indications',
} as const;

/** The VM with how its snapshot was taken (its name, whether the guest was frozen, KubeVirt's source indications). */
export function withSnapshotRecord(vm: KubeObject, snapshot: { snapshotName: string; sourceIndications: readonly { indication: string }[] }, quiesced: boolean): KubeObject {
  const annotations = {
    ...(vm.metadata.annotations ?? {}),
    [RecordAnnotations.quiesced]: String(quiesced),
    [RecordAnnotations.snapshot]: snapshot.snapshotName,
    [RecordAnnotations.sourceIndications]: snapshot.sourceIndications.map((s) => s.indication).join(','),
  };
  return { ...vm, metadata: { ...vm.metadata, annotations } };
}

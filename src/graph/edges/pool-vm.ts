// Edge family: a VirtualMachinePool to the VMs it runs.

import { get, isRecord, type KubeObject } from '../../model/kube-object.ts';
import { Kinds } from '../../model/kinds.ts';
import { defineEdgeFamily, type EdgeTarget } from '../edge-family.ts';
import { edgeTo } from '../edge-target.ts';

/** The VM's controller owner reference is this pool (by uid, or by name when either side has no uid). */
function controlledBy(vm: KubeObject, pool: KubeObject): boolean | undefined {
  const controller = (vm.metadata.ownerReferences ?? []).find((owner) => owner.controller === true);
  if (!controller) return undefined;
  if (pool.metadata.uid && controller.uid) return controller.uid === pool.metadata.uid;
  return controller.kind === Kinds.VirtualMachinePool.kind && controller.name === pool.metadata.name;
}

/** Every `spec.selector.matchLabels` entry matches; an empty or absent selector matches nothing. */
function matchesSelector(vm: KubeObject, pool: KubeObject): boolean {
  const matchLabels = get(pool, 'spec', 'selector', 'matchLabels');
  if (!isRecord(matchLabels)) return false;
  const entries = Object.entries(matchLabels);
  return entries.length > 0 && entries.every(([key, value]) => vm.metadata.labels?.[key] === value);
}

export default defineEdgeFamily({
  name: 'pool-vm',
  description:
    'Link a VirtualMachinePool to the VMs it controls by owner reference, or to orphan VMs its spec.selector.matchLabels would adopt, optional because the pool recreates them.',
  fromKinds: [Kinds.VirtualMachinePool],
  edges(pool, { index, ref }) {
    const edges: EdgeTarget[] = [];
    for (const vm of index.ofKind(Kinds.VirtualMachine.group, Kinds.VirtualMachine.kind)) {
      if (index.refOf(vm).namespace !== ref.namespace) continue;
      const controlled = controlledBy(vm, pool);
      if (controlled === true) {
        edges.push(edgeTo(Kinds.VirtualMachine, ref.namespace, vm.metadata.name, 'metadata.ownerReferences', true));
      } else if (controlled === undefined && matchesSelector(vm, pool)) {
        edges.push(edgeTo(Kinds.VirtualMachine, ref.namespace, vm.metadata.name, 'spec.selector.matchLabels', true));
      }
    }
    return edges;
  },
});

// Edge family: a VM to its running VMI (same name, owned by the VM).

import type { KubeObject } from '../../model/kube-object.ts';
import { Kinds } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { refTo } from '../edge-target.ts';

/** The VMI belongs to this VM unless another object controls it (owner uids vanish in hand-written input). */
function belongsTo(vmi: KubeObject, vm: KubeObject): boolean {
  const controller = (vmi.metadata.ownerReferences ?? []).find((owner) => owner.controller === true);
  if (!controller) return true;
  if (controller.kind !== Kinds.VirtualMachine.kind || controller.name !== vm.metadata.name) return false;
  return !vm.metadata.uid || !controller.uid || controller.uid === vm.metadata.uid;
}

export default defineEdgeFamily({
  name: 'vm-vmi',
  description:
    'Link a VM to the VirtualMachineInstance of the same name it runs, drawn only when that VMI is in the input and optional because the VM controller recreates it.',
  fromKinds: [Kinds.VirtualMachine],
  edges(vm, { index, ref }) {
    const target = refTo(Kinds.VirtualMachineInstance, ref.namespace, ref.name);
    const vmi = index.get(target);
    if (!vmi || !belongsTo(vmi, vm)) return [];
    return [{ to: target, reason: 'VirtualMachineInstance of the same name', optional: true }];
  },
});

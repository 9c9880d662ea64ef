// What a controller recreates is not restored; standalone VMIs lose the labels KubeVirt rejects on create.

import { Kinds, type GroupKind, isKind } from '../../model/kinds.ts';
import { describeRef, type ObjectRef } from '../../model/object-ref.ts';
import { removeOp } from '../ops.ts';
import { ownersOfKind } from '../owners.ts';
import { pointer } from '../pointer.ts';
import { changes, defineRule } from '../rule.ts';

/** Runtime labels KubeVirt sets on a VMI and refuses on create (the velero plugin's list). */
export const RESTRICTED_VMI_LABELS: readonly string[] = [
  'kubevirt.io/created-by',
  'kubevirt.io/migrationJobUID',
  'kubevirt.io/nodeName',
  'kubevirt.io/migrationTargetNodeName',
  'kubevirt.io/schedulable',
  'kubevirt.io/install-strategy',
];

/** The owner kinds whose controllers recreate an object of the key kind. */
const RECREATING_OWNERS: readonly [GroupKind, readonly GroupKind[]][] = [
  [Kinds.VirtualMachineInstance, [Kinds.VirtualMachine, Kinds.VirtualMachineInstanceReplicaSet]],
  [Kinds.VirtualMachine, [Kinds.VirtualMachinePool]],
];

export default defineRule({
  name: 'drop-owned-vmis',
  description:
    'Drop VirtualMachineInstances owned by a VirtualMachine or replica set and VirtualMachines owned by a pool, and strip the runtime labels from standalone VirtualMachineInstances.',
  kinds: [Kinds.VirtualMachineInstance, Kinds.VirtualMachine],
  create({ index }) {
    return (object, ref) => {
      for (const [kind, ownerKinds] of RECREATING_OWNERS) {
        if (!isKind(object, kind)) continue;
        for (const ownerKind of ownerKinds) {
          const owner = ownersOfKind(object, ownerKind)[0];
          if (!owner) continue;
          const ownerRef: ObjectRef = { ...ownerKind, namespace: ref.namespace, name: owner.name };
          // An owner missing from the input recreates nothing, but restoring the object alone would leave an
          // orphan the user never created; the reason says so, and the report carries it.
          const why = index.has(ownerRef) ? 'which recreates it' : 'which is not in the input, so nothing recreates it';
          return { drop: `owned by ${describeRef(ownerRef)}, ${why}` };
        }
      }
      if (!isKind(object, Kinds.VirtualMachineInstance)) return undefined;
      const labels = object.metadata.labels ?? {};
      return changes(
        RESTRICTED_VMI_LABELS.flatMap((key) =>
          removeOp(pointer('metadata', 'labels', key), Object.hasOwn(labels, key) ? labels[key] : undefined),
        ),
      );
    };
  },
});

// Edge family: a VirtualMachineInstanceReplicaSet to the VMIs it runs.

import type { KubeObject } from '../../model/kube-object.ts';
import { Kinds, Labels, isKind } from '../../model/kinds.ts';
import { defineEdgeFamily, type EdgeTarget } from '../edge-family.ts';
import { edgeTo } from '../edge-target.ts';

export default defineEdgeFamily({
  name: 'vmirs-vmi',
  description:
    'Link a VirtualMachineInstanceReplicaSet to its VMIs found by label kubevirt.io/vmReplicaSet=<name> or by owner reference, optional because the replica set recreates them.',
  fromKinds: [Kinds.VirtualMachineInstanceReplicaSet],
  edges(replicaSet, { index, ref }) {
    // One edge per VMI: the label (the guide's rule) first, owner references for VMIs that lost it.
    const edges = new Map<string, EdgeTarget>();
    const add = (vmis: KubeObject[], reason: string) => {
      for (const vmi of vmis) {
        const { name } = vmi.metadata;
        if (!isKind(vmi, Kinds.VirtualMachineInstance) || edges.has(name)) continue;
        edges.set(name, edgeTo(Kinds.VirtualMachineInstance, ref.namespace, name, reason, true));
      }
    };
    add(index.withLabel(ref.namespace, Labels.vmReplicaSet, ref.name), `label ${Labels.vmReplicaSet}=${ref.name}`);
    const uid = replicaSet.metadata.uid;
    if (uid) add(index.ownedBy(uid), 'metadata.ownerReferences');
    return [...edges.values()];
  },
});

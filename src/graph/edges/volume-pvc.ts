// Edge family: persistentVolumeClaim and ephemeral volumes to their PVC, plus a DataVolume of the same name.

import { getString } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS } from '../../model/kinds.ts';
import { defineEdgeFamily, type EdgeTarget } from '../edge-family.ts';
import { edgeTo, nonEmpty, refTo } from '../edge-target.ts';
import { isIndexedPerPoolVm, recreatedDataVolumes, volumesOf } from '../templates.ts';

export default defineEdgeFamily({
  name: 'volume-pvc',
  description:
    'Link a VM, VMI, replica set or pool to the PVC of each persistentVolumeClaim or ephemeral volume, plus an optional edge to the same-name DataVolume when the input has one.',
  fromKinds: VMI_SPEC_KINDS,
  edges(object, { index, ref }) {
    // A claim named after the VM's own dataVolumeTemplate comes back with the DataVolume the VM recreates.
    const recreated = recreatedDataVolumes(object, index, ref.namespace);
    const edges: EdgeTarget[] = [];
    for (const { volume, path } of volumesOf(object)) {
      const claim = nonEmpty(getString(volume, 'persistentVolumeClaim', 'claimName'));
      if (claim && !isIndexedPerPoolVm(object, 'claim', claim)) {
        const reason = `${path}.persistentVolumeClaim.claimName`;
        edges.push(edgeTo(Kinds.PersistentVolumeClaim, ref.namespace, claim, reason, recreated.has(claim)));
        const dataVolume = refTo(Kinds.DataVolume, ref.namespace, claim);
        if (index.has(dataVolume)) edges.push({ to: dataVolume, reason, optional: true });
      }
      const ephemeral = nonEmpty(getString(volume, 'ephemeral', 'persistentVolumeClaim', 'claimName'));
      if (ephemeral) {
        const reason = `${path}.ephemeral.persistentVolumeClaim.claimName`;
        edges.push(edgeTo(Kinds.PersistentVolumeClaim, ref.namespace, ephemeral, reason));
      }
    }
    return edges;
  },
});

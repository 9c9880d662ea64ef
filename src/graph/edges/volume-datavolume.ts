// Edge family: dataVolume volumes to their DataVolume and the PVC of the same name.

import { getString } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo, nonEmpty, refTo } from '../edge-target.ts';
import { isIndexedPerPoolVm, recreatedDataVolumes, volumesOf } from '../templates.ts';

export default defineEdgeFamily({
  name: 'volume-datavolume',
  description:
    'Link a VM, VMI, replica set or pool to the DataVolume and same-name PVC of each dataVolume volume, the PVC optional as CDI recreates it and the DataVolume optional when the dataVolumeTemplates of the VM (or of the VMI\'s VM) recreate it or when only its claim is in the input (CDI garbage-collected the DataVolume, and the claim then is the volume).',
  fromKinds: VMI_SPEC_KINDS,
  edges(object, { index, ref }) {
    const recreated = recreatedDataVolumes(object, index, ref.namespace);
    return volumesOf(object).flatMap(({ volume, path }) => {
      const name = nonEmpty(getString(volume, 'dataVolume', 'name'));
      if (!name || isIndexedPerPoolVm(object, 'claim', name)) return [];
      const reason = `${path}.dataVolume.name`;
      // CDI's garbage collection (pkg/controller/datavolume/garbagecollect.go, detachPvcDeleteDv) deletes a
      // Succeeded DataVolume and leaves its claim, which KubeVirt then uses as it is.
      const collected = !index.has(refTo(Kinds.DataVolume, ref.namespace, name)) && index.has(refTo(Kinds.PersistentVolumeClaim, ref.namespace, name));
      return [
        edgeTo(Kinds.DataVolume, ref.namespace, name, reason, recreated.has(name) || collected),
        edgeTo(Kinds.PersistentVolumeClaim, ref.namespace, name, reason, !collected),
      ];
    });
  },
});

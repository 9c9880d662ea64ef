// Edge family: a VM to the DataVolumes its dataVolumeTemplates create.

import { getArray, getString } from '../../model/kube-object.ts';
import { Kinds } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';

export default defineEdgeFamily({
  name: 'vm-datavolume-template',
  description:
    'Link a VM to each DataVolume its spec.dataVolumeTemplates create, optional because the VM recreates a missing one.',
  // A pool's templates become per-VM DataVolumes (`<name>-<index>`), which its VMs link to themselves.
  fromKinds: [Kinds.VirtualMachine],
  edges(vm, { ref }) {
    return getArray(vm, 'spec', 'dataVolumeTemplates').flatMap((template, i) => {
      const name = nonEmpty(getString(template, 'metadata', 'name'));
      const reason = `spec.dataVolumeTemplates[${i}].metadata.name`;
      return name ? [edgeTo(Kinds.DataVolume, ref.namespace, name, reason, true)] : [];
    });
  },
});

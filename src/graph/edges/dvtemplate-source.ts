// Edge family: the dataVolumeTemplates of a VM or pool to the PVC, snapshot or DataSource they clone from.

import { get, getArray } from '../../model/kube-object.ts';
import { dataVolumeSourceEdges } from '../clone-sources.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { vmSpecOf } from '../templates.ts';
import { VM_SPEC_KINDS } from '../../model/kinds.ts';

export default defineEdgeFamily({
  name: 'dvtemplate-source',
  description:
    'Link a VM or pool to the PVC, VolumeSnapshot or DataSource its dataVolumeTemplates clone from, optional because only a DataVolume that must be created again needs its source.',
  fromKinds: VM_SPEC_KINDS,
  edges(object, { ref }) {
    const vm = vmSpecOf(object);
    if (!vm) return [];
    return getArray(vm.spec, 'dataVolumeTemplates').flatMap((template, i) =>
      dataVolumeSourceEdges(get(template, 'spec'), `${vm.path}.dataVolumeTemplates[${i}].spec`, ref.namespace, true),
    );
  },
});

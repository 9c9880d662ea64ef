// Edge family: configMap volumes to their ConfigMap.

import { get, getString } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';
import { isIndexedPerPoolVm, volumesOf } from '../templates.ts';

export default defineEdgeFamily({
  name: 'volume-configmap',
  description:
    'Link a VM, VMI, replica set or pool to the ConfigMap each configMap volume names, optional when the volume says optional: true.',
  fromKinds: VMI_SPEC_KINDS,
  edges: (object, { ref }) =>
    volumesOf(object).flatMap(({ volume, path }) => {
      const name = nonEmpty(getString(volume, 'configMap', 'name'));
      if (!name || isIndexedPerPoolVm(object, 'configMap', name)) return [];
      const optional = get(volume, 'configMap', 'optional') === true;
      return [edgeTo(Kinds.ConfigMap, ref.namespace, name, `${path}.configMap.name`, optional)];
    }),
});

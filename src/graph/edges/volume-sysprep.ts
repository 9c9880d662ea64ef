// Edge family: sysprep volumes to the Secret or ConfigMap holding the answer files.

import { getString } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS } from '../../model/kinds.ts';
import { defineEdgeFamily, type EdgeTarget } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';
import { volumesOf } from '../templates.ts';

export default defineEdgeFamily({
  name: 'volume-sysprep',
  description:
    'Link a VM, VMI, replica set or pool to the Secret or ConfigMap each sysprep volume takes its answer files from.',
  fromKinds: VMI_SPEC_KINDS,
  edges(object, { ref }) {
    const edges: EdgeTarget[] = [];
    for (const { volume, path } of volumesOf(object)) {
      const secret = nonEmpty(getString(volume, 'sysprep', 'secret', 'name'));
      if (secret) edges.push(edgeTo(Kinds.Secret, ref.namespace, secret, `${path}.sysprep.secret.name`));
      const configMap = nonEmpty(getString(volume, 'sysprep', 'configMap', 'name'));
      if (configMap) edges.push(edgeTo(Kinds.ConfigMap, ref.namespace, configMap, `${path}.sysprep.configMap.name`));
    }
    return edges;
  },
});

// Edge family: secret volumes to their Secret.

import { get, getString } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';
import { isIndexedPerPoolVm, volumesOf } from '../templates.ts';

export default defineEdgeFamily({
  name: 'volume-secret',
  description:
    'Link a VM, VMI, replica set or pool to the Secret each secret volume names, optional when the volume says optional: true.',
  fromKinds: VMI_SPEC_KINDS,
  edges: (object, { ref }) =>
    volumesOf(object).flatMap(({ volume, path }) => {
      const name = nonEmpty(getString(volume, 'secret', 'secretName'));
      if (!name || isIndexedPerPoolVm(object, 'secret', name)) return [];
      const optional = get(volume, 'secret', 'optional') === true;
      return [edgeTo(Kinds.Secret, ref.namespace, name, `${path}.secret.secretName`, optional)];
    }),
});

// Edge family: cloud-init volumes to the Secrets holding their user data and network data.

import { getString } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS } from '../../model/kinds.ts';
import { defineEdgeFamily, type EdgeTarget } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';
import { volumesOf } from '../templates.ts';

const SOURCES = ['cloudInitNoCloud', 'cloudInitConfigDrive'] as const;
// KubeVirt's Go field UserDataSecretRef is spelled `secretRef` in JSON; the CRD schema knows no other name.
const REFS = ['secretRef', 'networkDataSecretRef'] as const;

export default defineEdgeFamily({
  name: 'volume-cloud-init-secret',
  description:
    'Link a VM, VMI, replica set or pool to the Secrets that cloudInitNoCloud and cloudInitConfigDrive volumes name in secretRef and networkDataSecretRef.',
  fromKinds: VMI_SPEC_KINDS,
  edges(object, { ref }) {
    const edges: EdgeTarget[] = [];
    for (const { volume, path } of volumesOf(object)) {
      for (const source of SOURCES) {
        for (const secretRef of REFS) {
          const name = nonEmpty(getString(volume, source, secretRef, 'name'));
          if (name) edges.push(edgeTo(Kinds.Secret, ref.namespace, name, `${path}.${source}.${secretRef}.name`));
        }
      }
    }
    return edges;
  },
});

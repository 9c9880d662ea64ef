// Edge family: accessCredentials entries to the Secrets holding SSH keys and passwords.

import { getArray, getString } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS } from '../../model/kinds.ts';
import { defineEdgeFamily, type EdgeTarget } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';
import { vmiSpecOf } from '../templates.ts';

const CREDENTIALS = ['sshPublicKey', 'userPassword'] as const;

export default defineEdgeFamily({
  name: 'access-credential-secret',
  description:
    'Link a VM, VMI, replica set or pool to the Secrets its accessCredentials name as sshPublicKey or userPassword sources.',
  fromKinds: VMI_SPEC_KINDS,
  edges(object, { ref }) {
    const vmi = vmiSpecOf(object);
    if (!vmi) return [];
    const edges: EdgeTarget[] = [];
    getArray(vmi.spec, 'accessCredentials').forEach((credential, i) => {
      // Read both kinds; the API allows one per entry, and the reference plugin stops at the first.
      for (const kind of CREDENTIALS) {
        const name = nonEmpty(getString(credential, kind, 'source', 'secret', 'secretName'));
        const reason = `${vmi.path}.accessCredentials[${i}].${kind}.source.secret.secretName`;
        if (name) edges.push(edgeTo(Kinds.Secret, ref.namespace, name, reason));
      }
    });
    return edges;
  },
});

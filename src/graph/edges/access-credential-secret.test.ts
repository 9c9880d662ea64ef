// Tests for the access-credential-secret edge family.

import { Kinds } from '../../model/kinds.ts';
import { makePool, makeVm, makeVmi } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './access-credential-secret.ts';

const secret = (name: string, reason: string) => ({ to: { ...Kinds.Secret, namespace: 'ns1', name }, reason, optional: false });
const ssh = (secretName: string) => ({ sshPublicKey: { source: { secret: { secretName } }, propagationMethod: { noCloud: {} } } });
const password = (secretName: string) => ({ userPassword: { source: { secret: { secretName } }, propagationMethod: { qemuGuestAgent: {} } } });

edgeTester.run(family, {
  valid: [
    { name: 'no access credentials', object: makeVm('vm') },
    { name: 'credential without a secret source', object: makeVm('vm', { accessCredentials: [{ sshPublicKey: { source: {} } }] }) },
  ],
  invalid: [
    {
      name: 'SSH public key Secret (the guide)',
      object: makeVm('vm1', { accessCredentials: [ssh('my-pub-key')] }),
      edges: [secret('my-pub-key', 'spec.template.spec.accessCredentials[0].sshPublicKey.source.secret.secretName')],
    },
    {
      name: 'user password Secret (vm_with_access_credentials)',
      object: makeVm('vm1', { accessCredentials: [password('test-access-credentials-secret')] }),
      edges: [secret('test-access-credentials-secret', 'spec.template.spec.accessCredentials[0].userPassword.source.secret.secretName')],
    },
    {
      name: 'both kinds in order on a VMI',
      object: makeVmi('vmi', { accessCredentials: [ssh('key'), password('pw')] }),
      edges: [
        secret('key', 'spec.accessCredentials[0].sshPublicKey.source.secret.secretName'),
        secret('pw', 'spec.accessCredentials[1].userPassword.source.secret.secretName'),
      ],
    },
    {
      name: 'pool template',
      object: makePool('pool', { accessCredentials: [ssh('key')] }),
      edges: [secret('key', 'spec.virtualMachineTemplate.spec.template.spec.accessCredentials[0].sshPublicKey.source.secret.secretName')],
    },
  ],
});

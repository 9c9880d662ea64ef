// Tests for the volume-secret edge family.

import { Kinds } from '../../model/kinds.ts';
import { makePool, makeReplicaSet, makeVm } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './volume-secret.ts';

const secret = (name: string, reason: string, optional = false) => ({ to: { ...Kinds.Secret, namespace: 'ns1', name }, reason, optional });

edgeTester.run(family, {
  valid: [
    { name: 'no volumes', object: makeVm('vm') },
    { name: 'secret volume without a name', object: makeVm('vm', { volumes: [{ name: 's', secret: {} }] }) },
    {
      name: 'pool appending the VM index to Secret names',
      object: makePool('pool', { volumes: [{ name: 's', secret: { secretName: 'creds' } }] }, {}, { nameGeneration: { appendIndexToSecretRefs: true } }),
    },
  ],
  invalid: [
    {
      name: 'VM secret volume (the guide)',
      object: makeVm('vm1', { volumes: [{ name: 'v1', secret: { secretName: 's1' } }] }),
      edges: [secret('s1', 'spec.template.spec.volumes[0].secret.secretName')],
    },
    {
      name: 'optional: true makes the edge optional',
      object: makeReplicaSet('rs', { volumes: [{ name: 'v1', secret: { secretName: 's1', optional: true } }] }),
      edges: [secret('s1', 'spec.template.spec.volumes[0].secret.secretName', true)],
    },
    {
      name: 'pool without name generation shares the Secret',
      object: makePool('pool', { volumes: [{ name: 's', secret: { secretName: 'creds' } }] }),
      edges: [secret('creds', 'spec.virtualMachineTemplate.spec.template.spec.volumes[0].secret.secretName')],
    },
  ],
});

// Tests for the volume-cloud-init-secret edge family.

import { Kinds } from '../../model/kinds.ts';
import { makePool, makeVm, makeVmi } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './volume-cloud-init-secret.ts';

const secret = (name: string, reason: string) => ({ to: { ...Kinds.Secret, namespace: 'ns1', name }, reason, optional: false });

edgeTester.run(family, {
  valid: [
    { name: 'no volumes', object: makeVm('vm') },
    { name: 'inline networkData (the peer manifests)', object: makeVm('vm', { volumes: [{ name: 'volume1', cloudInitNoCloud: { networkData: 'version: 2' } }] }) },
    { name: 'secretRef without a name', object: makeVm('vm', { volumes: [{ name: 'ci', cloudInitNoCloud: { secretRef: {} } }] }) },
  ],
  invalid: [
    {
      name: 'NoCloud user data and network data Secrets',
      object: makeVm('vm', { volumes: [{ name: 'ci', cloudInitNoCloud: { secretRef: { name: 'ud' }, networkDataSecretRef: { name: 'nd' } } }] }),
      edges: [
        secret('ud', 'spec.template.spec.volumes[0].cloudInitNoCloud.secretRef.name'),
        secret('nd', 'spec.template.spec.volumes[0].cloudInitNoCloud.networkDataSecretRef.name'),
      ],
    },
    {
      name: 'ConfigDrive user data Secret on a VMI',
      object: makeVmi('vmi', { volumes: [{ name: 'ci', cloudInitConfigDrive: { secretRef: { name: 'ud' } } }] }),
      edges: [secret('ud', 'spec.volumes[0].cloudInitConfigDrive.secretRef.name')],
    },
    {
      name: 'pool Secrets are not indexed per VM',
      object: makePool('pool', { volumes: [{ name: 'ci', cloudInitNoCloud: { networkDataSecretRef: { name: 'nd' } } }] }, {}, { nameGeneration: { appendIndexToSecretRefs: true } }),
      edges: [secret('nd', 'spec.virtualMachineTemplate.spec.template.spec.volumes[0].cloudInitNoCloud.networkDataSecretRef.name')],
    },
  ],
});

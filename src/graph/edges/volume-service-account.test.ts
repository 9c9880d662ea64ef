// Tests for the volume-service-account edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeVm, makeVmi } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './volume-service-account.ts';

const sa = (name: string, reason: string, optional = false) => ({ to: { ...Kinds.ServiceAccount, namespace: 'ns1', name }, reason, optional });

edgeTester.run(family, {
  valid: [
    { name: 'no volumes', object: makeVm('vm') },
    { name: 'serviceAccount volume without a name', object: makeVm('vm', { volumes: [{ name: 'sa', serviceAccount: {} }] }) },
  ],
  invalid: [
    {
      name: 'VM serviceAccount volume (the guide)',
      object: makeVm('vm1', { volumes: [{ name: 'v1', serviceAccount: { serviceAccountName: 'sa1' } }] }),
      edges: [sa('sa1', 'spec.template.spec.volumes[0].serviceAccount.serviceAccountName')],
    },
    {
      name: 'the default ServiceAccount is optional (vm_with_different_volume_types)',
      object: makeVmi('vmi', { volumes: [{ name: 'sa-volume', serviceAccount: { serviceAccountName: 'default' } }] }),
      edges: [sa('default', 'spec.volumes[0].serviceAccount.serviceAccountName', true)],
    },
  ],
});

// Tests for the volume-configmap edge family.

import { Kinds } from '../../model/kinds.ts';
import { makePool, makeVm, makeVmi } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './volume-configmap.ts';

const cm = (name: string, reason: string, optional = false) => ({ to: { ...Kinds.ConfigMap, namespace: 'ns1', name }, reason, optional });

edgeTester.run(family, {
  valid: [
    { name: 'no volumes', object: makeVm('vm') },
    { name: 'configMap without a name', object: makeVm('vm', { volumes: [{ name: 'c', configMap: {} }] }) },
    {
      name: 'pool appending the VM index to ConfigMap names',
      object: makePool('pool', { volumes: [{ name: 'c', configMap: { name: 'cfg' } }] }, {}, { nameGeneration: { appendIndexToConfigMapRefs: true } }),
    },
  ],
  invalid: [
    {
      name: 'VM configMap volume (the guide)',
      object: makeVm('vm1', { volumes: [{ name: 'v1', configMap: { name: 'cm1' } }] }),
      edges: [cm('cm1', 'spec.template.spec.volumes[0].configMap.name')],
    },
    {
      name: 'optional: true makes the edge optional',
      object: makeVmi('vmi', { volumes: [{ name: 'v1', configMap: { name: 'cm1', optional: true } }] }),
      edges: [cm('cm1', 'spec.volumes[0].configMap.name', true)],
    },
    {
      name: 'pool without name generation shares the ConfigMap',
      object: makePool('pool', { volumes: [{ name: 'c', configMap: { name: 'cfg' } }] }, {}, { nameGeneration: { appendIndexToSecretRefs: true } }),
      edges: [cm('cfg', 'spec.virtualMachineTemplate.spec.template.spec.volumes[0].configMap.name')],
    },
  ],
});

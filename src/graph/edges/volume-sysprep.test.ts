// Tests for the volume-sysprep edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeVm, makeVmi } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './volume-sysprep.ts';

edgeTester.run(family, {
  valid: [
    { name: 'no volumes', object: makeVm('vm') },
    { name: 'sysprep without a source name', object: makeVm('vm', { volumes: [{ name: 'sp', sysprep: { secret: {} } }] }) },
  ],
  invalid: [
    {
      name: 'sysprep from a Secret',
      object: makeVm('win', { volumes: [{ name: 'sp', sysprep: { secret: { name: 'unattend' } } }] }),
      edges: [{ to: { ...Kinds.Secret, namespace: 'ns1', name: 'unattend' }, reason: 'spec.template.spec.volumes[0].sysprep.secret.name', optional: false }],
    },
    {
      name: 'sysprep from a ConfigMap',
      object: makeVmi('win', { volumes: [{ name: 'sp', sysprep: { configMap: { name: 'unattend' } } }] }),
      edges: [{ to: { ...Kinds.ConfigMap, namespace: 'ns1', name: 'unattend' }, reason: 'spec.volumes[0].sysprep.configMap.name', optional: false }],
    },
  ],
});

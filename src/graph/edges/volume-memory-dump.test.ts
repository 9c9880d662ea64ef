// Tests for the volume-memory-dump edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeVm, makeVmi } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './volume-memory-dump.ts';

edgeTester.run(family, {
  valid: [
    { name: 'no volumes', object: makeVm('vm') },
    { name: 'memoryDump without a claim', object: makeVm('vm', { volumes: [{ name: 'm', memoryDump: {} }] }) },
  ],
  invalid: [
    {
      name: 'VM memory dump (the guide)',
      object: makeVm('vm1', { volumes: [{ name: 'v1', memoryDump: { claimName: 'pvc1', hotpluggable: true } }] }),
      edges: [{ to: { ...Kinds.PersistentVolumeClaim, namespace: 'ns1', name: 'pvc1' }, reason: 'spec.template.spec.volumes[0].memoryDump.claimName', optional: false }],
    },
    {
      name: 'VMI memory dump',
      object: makeVmi('vmi', { volumes: [{ name: 'v1', memoryDump: { claimName: 'dump' } }] }),
      edges: [{ to: { ...Kinds.PersistentVolumeClaim, namespace: 'ns1', name: 'dump' }, reason: 'spec.volumes[0].memoryDump.claimName', optional: false }],
    },
  ],
});

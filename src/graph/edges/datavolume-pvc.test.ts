// Tests for the datavolume-pvc edge family.

import { Annotations, Kinds } from '../../model/kinds.ts';
import { makeObject } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './datavolume-pvc.ts';

const pvcEdge = { to: { ...Kinds.PersistentVolumeClaim, namespace: 'ns1', name: 'test-dv' }, reason: 'PersistentVolumeClaim of the same name', optional: false };

edgeTester.run(family, {
  valid: [
    { name: 'DataVolume as written (no status)', object: makeObject(Kinds.DataVolume, 'test-dv', { spec: { source: { blank: {} } } }) },
    { name: 'import in progress', object: makeObject(Kinds.DataVolume, 'test-dv', { status: { phase: 'ImportInProgress' } }) },
    {
      name: 'failed DataVolume whose PVC is in the input',
      object: makeObject(Kinds.DataVolume, 'test-dv', { status: { phase: 'Failed' } }),
      others: [makeObject(Kinds.PersistentVolumeClaim, 'test-dv')],
    },
  ],
  invalid: [
    {
      name: 'Succeeded DataVolume without its PVC in the input',
      object: makeObject(Kinds.DataVolume, 'test-dv', { status: { phase: 'Succeeded' } }),
      edges: [pvcEdge],
    },
    {
      name: 'Succeeded DataVolume with its PVC',
      object: makeObject(Kinds.DataVolume, 'test-dv', { status: { phase: 'Succeeded' } }),
      others: [makeObject(Kinds.PersistentVolumeClaim, 'test-dv')],
      edges: [pvcEdge],
    },
    {
      name: 'DataVolume already marked prePopulated',
      object: makeObject(Kinds.DataVolume, 'test-dv', {}, { annotations: { [Annotations.prePopulated]: 'test-dv' } }),
      edges: [pvcEdge],
    },
  ],
});

// Tests for the datavolume-source edge family.

import { Annotations, Kinds } from '../../model/kinds.ts';
import { VolumeSnapshotKind } from '../clone-sources.ts';
import { makeObject } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './datavolume-source.ts';

const pvcSource = { spec: { source: { pvc: { namespace: 'golden', name: 'fedora' } } } };
const pvcEdge = (optional: boolean) => ({
  to: { ...Kinds.PersistentVolumeClaim, namespace: 'golden', name: 'fedora' },
  reason: 'spec.source.pvc.name',
  optional,
});

edgeTester.run(family, {
  valid: [
    { name: 'blank DataVolume', object: makeObject(Kinds.DataVolume, 'dv', { spec: { source: { blank: {} } } }) },
    { name: 'registry import', object: makeObject(Kinds.DataVolume, 'dv', { spec: { source: { registry: { url: 'docker://x' } } } }) },
    { name: 'pvc source without a name', object: makeObject(Kinds.DataVolume, 'dv', { spec: { source: { pvc: { namespace: 'x' } } } }) },
  ],
  invalid: [
    { name: 'pending clone needs its source', object: makeObject(Kinds.DataVolume, 'dv', pvcSource), edges: [pvcEdge(false)] },
    {
      name: 'succeeded clone: the source is optional',
      object: makeObject(Kinds.DataVolume, 'dv', { ...pvcSource, status: { phase: 'Succeeded' } }),
      edges: [pvcEdge(true)],
    },
    {
      name: 'prePopulated clone: the source is optional',
      object: makeObject(Kinds.DataVolume, 'dv', pvcSource, { annotations: { [Annotations.prePopulated]: 'dv' } }),
      edges: [pvcEdge(true)],
    },
    {
      name: 'snapshot source in the same namespace',
      object: makeObject(Kinds.DataVolume, 'dv', { spec: { source: { snapshot: { name: 'snap' } } } }),
      edges: [{ to: { ...VolumeSnapshotKind, namespace: 'ns1', name: 'snap' }, reason: 'spec.source.snapshot.name', optional: false }],
    },
    {
      name: 'sourceRef to a DataSource',
      object: makeObject(Kinds.DataVolume, 'dv', { spec: { sourceRef: { kind: 'DataSource', namespace: 'os-images', name: 'fedora' } } }),
      edges: [{ to: { ...Kinds.DataSource, namespace: 'os-images', name: 'fedora' }, reason: 'spec.sourceRef.name', optional: false }],
    },
  ],
});

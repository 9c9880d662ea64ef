// Tests for the datasource-source edge family.

import { Kinds } from '../../model/kinds.ts';
import { VolumeSnapshotKind } from '../clone-sources.ts';
import { makeObject } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './datasource-source.ts';

edgeTester.run(family, {
  valid: [
    { name: 'DataSource without a source', object: makeObject(Kinds.DataSource, 'fedora', { spec: {} }) },
    { name: 'source of an unknown type', object: makeObject(Kinds.DataSource, 'fedora', { spec: { source: { http: { url: 'x' } } } }) },
  ],
  invalid: [
    {
      name: 'PVC source in its own namespace',
      object: makeObject(Kinds.DataSource, 'fedora', { spec: { source: { pvc: { name: 'fedora-2024' } } } }, { namespace: 'os-images' }),
      edges: [{ to: { ...Kinds.PersistentVolumeClaim, namespace: 'os-images', name: 'fedora-2024' }, reason: 'spec.source.pvc.name', optional: false }],
    },
    {
      name: 'snapshot source in another namespace',
      object: makeObject(Kinds.DataSource, 'fedora', { spec: { source: { snapshot: { namespace: 'snaps', name: 'f' } } } }),
      edges: [{ to: { ...VolumeSnapshotKind, namespace: 'snaps', name: 'f' }, reason: 'spec.source.snapshot.name', optional: false }],
    },
    {
      name: 'DataSource pointing at another DataSource',
      object: makeObject(Kinds.DataSource, 'fedora', { spec: { source: { dataSource: { name: 'fedora-latest' } } } }),
      edges: [{ to: { ...Kinds.DataSource, namespace: 'ns1', name: 'fedora-latest' }, reason: 'spec.source.dataSource.name', optional: false }],
    },
  ],
});

// Tests for the pvc-data-source edge family.

import { Kinds } from '../../model/kinds.ts';
import { VolumeSnapshotKind } from '../clone-sources.ts';
import { makeObject } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './pvc-data-source.ts';

const importSource = { apiGroup: 'cdi.kubevirt.io', kind: 'VolumeImportSource', name: 'import-source' };
const importEdge = (reason: string, optional: boolean) => ({
  to: { group: 'cdi.kubevirt.io', kind: 'VolumeImportSource', namespace: 'ns1', name: 'import-source' },
  reason,
  optional,
});

edgeTester.run(family, {
  valid: [
    { name: 'plain claim', object: makeObject(Kinds.PersistentVolumeClaim, 'disk', { spec: { storageClassName: 'x' } }) },
    { name: 'dataSourceRef without a kind', object: makeObject(Kinds.PersistentVolumeClaim, 'disk', { spec: { dataSourceRef: { name: 'x' } } }) },
  ],
  invalid: [
    {
      name: 'unbound claim populated from a VolumeImportSource (both fields, mirrored)',
      object: makeObject(Kinds.PersistentVolumeClaim, 'disk', { spec: { dataSource: importSource, dataSourceRef: importSource } }),
      edges: [importEdge('spec.dataSourceRef.name', false)],
    },
    {
      name: 'bound claim: the source is optional',
      object: makeObject(Kinds.PersistentVolumeClaim, 'disk', { spec: { dataSourceRef: importSource }, status: { phase: 'Bound' } }),
      edges: [importEdge('spec.dataSourceRef.name', true)],
    },
    {
      name: 'claim with a volumeName counts as bound',
      object: makeObject(Kinds.PersistentVolumeClaim, 'disk', { spec: { dataSource: importSource, volumeName: 'pv-1' } }),
      edges: [importEdge('spec.dataSource.name', true)],
    },
    {
      name: 'clone from a PVC (core group)',
      object: makeObject(Kinds.PersistentVolumeClaim, 'disk', { spec: { dataSource: { kind: 'PersistentVolumeClaim', name: 'base' } } }),
      edges: [{ to: { ...Kinds.PersistentVolumeClaim, namespace: 'ns1', name: 'base' }, reason: 'spec.dataSource.name', optional: false }],
    },
    {
      name: 'cross-namespace dataSourceRef to a snapshot, and a different dataSource',
      object: makeObject(Kinds.PersistentVolumeClaim, 'disk', {
        spec: {
          dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'cdi-tmp-1', namespace: 'snaps' },
          dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'cdi-tmp-1' },
        },
      }),
      edges: [
        { to: { ...VolumeSnapshotKind, namespace: 'snaps', name: 'cdi-tmp-1' }, reason: 'spec.dataSourceRef.name', optional: false },
        { to: { ...VolumeSnapshotKind, namespace: 'ns1', name: 'cdi-tmp-1' }, reason: 'spec.dataSource.name', optional: false },
      ],
    },
  ],
});

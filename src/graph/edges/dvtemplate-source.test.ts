// Tests for the dvtemplate-source edge family.

import { Kinds } from '../../model/kinds.ts';
import { VolumeSnapshotKind } from '../clone-sources.ts';
import { makePool, makeVm, type Fields } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './dvtemplate-source.ts';

const template = (spec: Fields) => ({ dataVolumeTemplates: [{ metadata: { name: 'disk' }, spec }] });

edgeTester.run(family, {
  valid: [
    { name: 'VM without templates', object: makeVm('vm') },
    { name: 'registry import names no object', object: makeVm('vm', {}, template({ source: { registry: { url: 'docker://quay.io/x' } } })) },
    { name: 'blank disk', object: makeVm('vm', {}, template({ source: { blank: {} } })) },
    { name: 'sourceRef to a kind CDI does not clone from', object: makeVm('vm', {}, template({ sourceRef: { kind: 'Other', name: 'x' } })) },
  ],
  invalid: [
    {
      name: 'clone from a PVC in another namespace',
      object: makeVm('vm', {}, template({ source: { pvc: { namespace: 'golden', name: 'fedora' } } })),
      edges: [{ to: { ...Kinds.PersistentVolumeClaim, namespace: 'golden', name: 'fedora' }, reason: 'spec.dataVolumeTemplates[0].spec.source.pvc.name', optional: true }],
    },
    {
      name: 'clone from a PVC in the same namespace',
      object: makeVm('vm', {}, template({ source: { pvc: { name: 'base' } } })),
      edges: [{ to: { ...Kinds.PersistentVolumeClaim, namespace: 'ns1', name: 'base' }, reason: 'spec.dataVolumeTemplates[0].spec.source.pvc.name', optional: true }],
    },
    {
      name: 'restore from a VolumeSnapshot',
      object: makeVm('vm', {}, template({ source: { snapshot: { namespace: 'ns1', name: 'snap' } } })),
      edges: [{ to: { ...VolumeSnapshotKind, namespace: 'ns1', name: 'snap' }, reason: 'spec.dataVolumeTemplates[0].spec.source.snapshot.name', optional: true }],
    },
    {
      name: 'sourceRef to a DataSource, kind implied',
      object: makeVm('vm', {}, template({ sourceRef: { namespace: 'os-images', name: 'fedora' } })),
      edges: [{ to: { ...Kinds.DataSource, namespace: 'os-images', name: 'fedora' }, reason: 'spec.dataVolumeTemplates[0].spec.sourceRef.name', optional: true }],
    },
    {
      name: 'pool templates share the source',
      object: makePool('pool', {}, template({ sourceRef: { kind: 'DataSource', name: 'fedora' } })),
      edges: [
        {
          to: { ...Kinds.DataSource, namespace: 'ns1', name: 'fedora' },
          reason: 'spec.virtualMachineTemplate.spec.dataVolumeTemplates[0].spec.sourceRef.name',
          optional: true,
        },
      ],
    },
  ],
});

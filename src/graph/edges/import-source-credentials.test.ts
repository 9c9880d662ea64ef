// Tests for the import-source-credentials edge family.

import { Kinds, type GroupKind } from '../../model/kinds.ts';
import type { JsonObject } from '../../model/kube-object.ts';
import { makeObject, makePool, makeVm } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './import-source-credentials.ts';

const edge = (kind: GroupKind, name: string, reason: string, optional = false) => ({ to: { ...kind, namespace: 'ns1', name }, reason, optional });
const dv = (source: JsonObject, status?: JsonObject) => makeObject(Kinds.DataVolume, 'disk', { spec: { source, storage: {} }, ...(status ? { status } : {}) });
const template = (source: JsonObject) => ({ metadata: { name: 'disk' }, spec: { source, storage: {} } });

edgeTester.run(family, {
  valid: [
    { name: 'blank DataVolume', object: dv({ blank: {} }) },
    { name: 'http import without credentials', object: dv({ http: { url: 'https://example.com/disk.img' } }) },
    { name: 'empty names and an empty header list', object: dv({ http: { url: 'u', secretRef: '', secretExtraHeaders: [] } }) },
    { name: 'VM without dataVolumeTemplates', object: makeVm('vm') },
    { name: 'clone source: another family', object: dv({ pvc: { namespace: 'a', name: 'b' } }) },
  ],
  invalid: [
    {
      name: 'http: secretRef, certConfigMap and secretExtraHeaders (CDI DataVolumeSourceHTTP)',
      object: dv({ http: { url: 'u', secretRef: 'auth', certConfigMap: 'ca', secretExtraHeaders: ['h1', 'h2'] } }),
      edges: [
        edge(Kinds.Secret, 'auth', 'spec.source.http.secretRef'),
        edge(Kinds.ConfigMap, 'ca', 'spec.source.http.certConfigMap'),
        edge(Kinds.Secret, 'h1', 'spec.source.http.secretExtraHeaders[0]'),
        edge(Kinds.Secret, 'h2', 'spec.source.http.secretExtraHeaders[1]'),
      ],
    },
    {
      name: 's3, with the DataVolume Succeeded: optional',
      object: dv({ s3: { url: 'u', secretRef: 'keys', certConfigMap: 'ca' } }, { phase: 'Succeeded' }),
      edges: [edge(Kinds.Secret, 'keys', 'spec.source.s3.secretRef', true), edge(Kinds.ConfigMap, 'ca', 'spec.source.s3.certConfigMap', true)],
    },
    { name: 'gcs', object: dv({ gcs: { url: 'u', secretRef: 'sa' } }), edges: [edge(Kinds.Secret, 'sa', 'spec.source.gcs.secretRef')] },
    {
      name: 'registry',
      object: dv({ registry: { url: 'docker://x', secretRef: 'pull', certConfigMap: 'ca' } }),
      edges: [edge(Kinds.Secret, 'pull', 'spec.source.registry.secretRef'), edge(Kinds.ConfigMap, 'ca', 'spec.source.registry.certConfigMap')],
    },
    {
      name: 'imageio',
      object: dv({ imageio: { url: 'u', diskId: 'd', secretRef: 'ovirt', certConfigMap: 'ovirt-ca' } }),
      edges: [edge(Kinds.Secret, 'ovirt', 'spec.source.imageio.secretRef'), edge(Kinds.ConfigMap, 'ovirt-ca', 'spec.source.imageio.certConfigMap')],
    },
    {
      name: 'vddk: secretRef and the extraArgs ConfigMap',
      object: dv({ vddk: { url: 'u', uuid: 'x', secretRef: 'vcenter', extraArgs: 'vddk-args' } }),
      edges: [edge(Kinds.Secret, 'vcenter', 'spec.source.vddk.secretRef'), edge(Kinds.ConfigMap, 'vddk-args', 'spec.source.vddk.extraArgs')],
    },
    {
      name: 'VolumeImportSource',
      object: makeObject(Kinds.VolumeImportSource, 'vis', { spec: { source: { registry: { url: 'docker://x', secretRef: 'pull' } } } }),
      edges: [edge(Kinds.Secret, 'pull', 'spec.source.registry.secretRef')],
    },
    {
      name: 'VM template whose DataVolume the VM will import again: required',
      object: makeVm('vm', {}, { dataVolumeTemplates: [template({ http: { url: 'u', secretRef: 'auth' } })] }),
      edges: [edge(Kinds.Secret, 'auth', 'spec.dataVolumeTemplates[0].spec.source.http.secretRef')],
    },
    {
      name: 'VM template whose DataVolume is in the input: optional',
      object: makeVm('vm', {}, { dataVolumeTemplates: [template({ http: { url: 'u', secretRef: 'auth' } })] }),
      others: [makeObject(Kinds.DataVolume, 'disk')],
      edges: [edge(Kinds.Secret, 'auth', 'spec.dataVolumeTemplates[0].spec.source.http.secretRef', true)],
    },
    {
      name: 'VM template whose claim alone is in the input (DataVolume garbage-collected): optional',
      object: makeVm('vm', {}, { dataVolumeTemplates: [template({ registry: { url: 'docker://x', secretRef: 'pull' } })] }),
      others: [makeObject(Kinds.PersistentVolumeClaim, 'disk')],
      edges: [edge(Kinds.Secret, 'pull', 'spec.dataVolumeTemplates[0].spec.source.registry.secretRef', true)],
    },
    {
      name: 'pool template: optional, each VM gets its own DataVolume',
      object: makePool('pool', {}, { dataVolumeTemplates: [template({ s3: { url: 'u', secretRef: 'keys' } })] }),
      edges: [edge(Kinds.Secret, 'keys', 'spec.virtualMachineTemplate.spec.dataVolumeTemplates[0].spec.source.s3.secretRef', true)],
    },
  ],
});

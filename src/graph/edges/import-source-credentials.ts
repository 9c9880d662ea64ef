// Edge family: the Secrets and ConfigMaps a CDI import source authenticates with (DataVolumes, templates, VolumeImportSources).

import { get, isRecord, type KubeObject } from '../../model/kube-object.ts';
import { Kinds, VM_SPEC_KINDS, isKind, type GroupKind } from '../../model/kinds.ts';
import type { ObjectIndex } from '../../model/object-index.ts';
import { isPopulatedDataVolume } from '../clone-sources.ts';
import type { EdgeTarget } from '../edge-family.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo, nonEmpty, refTo } from '../edge-target.ts';
import { vmSpecOf } from '../templates.ts';

/**
 * The fields of each import source that name a Secret or a ConfigMap, as CDI's API types declare them
 * (containerized-data-importer-api pkg/apis/core/v1beta1/types.go: DataVolumeSourceHTTP, …S3, …GCS, …Registry,
 * …ImageIO, …VDDK). `secretExtraHeaders` is a list of Secret names; VDDK's `extraArgs` names a ConfigMap.
 */
const CREDENTIAL_FIELDS: readonly (readonly [source: string, field: string, kind: GroupKind, list?: 'list'])[] = [
  ['http', 'secretRef', Kinds.Secret],
  ['http', 'certConfigMap', Kinds.ConfigMap],
  ['http', 'secretExtraHeaders', Kinds.Secret, 'list'],
  ['s3', 'secretRef', Kinds.Secret],
  ['s3', 'certConfigMap', Kinds.ConfigMap],
  ['gcs', 'secretRef', Kinds.Secret],
  ['registry', 'secretRef', Kinds.Secret],
  ['registry', 'certConfigMap', Kinds.ConfigMap],
  ['imageio', 'secretRef', Kinds.Secret],
  ['imageio', 'certConfigMap', Kinds.ConfigMap],
  ['vddk', 'secretRef', Kinds.Secret],
  ['vddk', 'extraArgs', Kinds.ConfigMap],
];

/** Edges from the import source `source` (a DataVolume's or a VolumeImportSource's `spec.source`) at `path`. */
function credentialEdges(source: unknown, path: string, namespace: string, optional: boolean): EdgeTarget[] {
  if (!isRecord(source)) return [];
  return CREDENTIAL_FIELDS.flatMap(([type, field, kind, list]) => {
    const value = get(source, type, field);
    if (list) {
      if (!Array.isArray(value)) return [];
      return value.flatMap((name, i) => {
        const secret = nonEmpty(name);
        return secret ? [edgeTo(kind, namespace, secret, `${path}.${type}.${field}[${i}]`, optional)] : [];
      });
    }
    const name = nonEmpty(value);
    return name ? [edgeTo(kind, namespace, name, `${path}.${type}.${field}`, optional)] : [];
  });
}

/** Whether a VM's dataVolumeTemplate would import again: neither its DataVolume nor its claim is in the input. */
function importsAgain(name: string, index: ObjectIndex, namespace: string): boolean {
  return !index.has(refTo(Kinds.DataVolume, namespace, name)) && !index.has(refTo(Kinds.PersistentVolumeClaim, namespace, name));
}

function templateEdges(object: KubeObject, index: ObjectIndex, namespace: string): EdgeTarget[] {
  const vm = vmSpecOf(object);
  const templates = vm?.spec['dataVolumeTemplates'];
  if (!vm || !Array.isArray(templates)) return [];
  return templates.flatMap((template: unknown, i) => {
    const name = nonEmpty(get(template, 'metadata', 'name'));
    const optional = name === undefined || !isKind(object, Kinds.VirtualMachine) || !importsAgain(name, index, namespace);
    return credentialEdges(get(template, 'spec', 'source'), `${vm.path}.dataVolumeTemplates[${i}].spec.source`, namespace, optional);
  });
}

export default defineEdgeFamily({
  name: 'import-source-credentials',
  description:
    'Link a DataVolume, a VolumeImportSource, or a VM or pool through its dataVolumeTemplates to the Secrets and ConfigMaps its http, s3, gcs, registry, imageio or vddk source names (secretRef, certConfigMap, secretExtraHeaders, extraArgs), optional once CDI will not import again: a DataVolume that Succeeded or is prePopulated, a template whose DataVolume or claim is in the input, and pool templates.',
  fromKinds: [Kinds.DataVolume, Kinds.VolumeImportSource, ...VM_SPEC_KINDS],
  edges(object, { index, ref }) {
    if (isKind(object, Kinds.DataVolume)) {
      return credentialEdges(get(object, 'spec', 'source'), 'spec.source', ref.namespace, isPopulatedDataVolume(object));
    }
    if (isKind(object, Kinds.VolumeImportSource)) return credentialEdges(get(object, 'spec', 'source'), 'spec.source', ref.namespace, false);
    return templateEdges(object, index, ref.namespace);
  },
});

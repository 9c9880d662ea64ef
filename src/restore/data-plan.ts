// Where restored volumes get their data: uploaded from the bundle, imported from the recorded export URLs, or left to the CDI annotations.

import { InputError } from '../errors.ts';
import type { ExportRecord } from '../bundle/index.ts';
import { Annotations } from '../model/kinds.ts';
import { getArray, isRecord, type JsonObject, type KubeObject } from '../model/kube-object.ts';
import { compareStrings } from '../model/object-ref.ts';
import { exportUrlProblem } from './export-url.ts';

/** `bundle`: upload the bundle's data entries; `export-url`: CDI imports from the source's export server; `none`: rely on the CDI annotations. */
export type DataSourceMode = 'bundle' | 'export-url' | 'none';
export const DATA_SOURCE_MODES: readonly DataSourceMode[] = ['bundle', 'export-url', 'none'];

/** The header CDI sends to the export server; a `secretExtraHeaders` Secret holds it as `Name:value`. */
export const EXPORT_TOKEN_HEADER = 'x-kubevirt-export-token';

/**
 * CDI's `contentType` of a restored volume: `kubevirt`, a disk image CDI writes to `disk.img` (or the block device);
 * `archive`, a tar CDI unpacks into the claim's filesystem. KubeVirt's export server offers a claim that is not a
 * KubeVirt disk only as `dir` and `tar.gz` (pkg/storage/export/export/export.go, isKubevirtContentType), so such a
 * volume comes back as an archive; uploading its tar as a disk image would store the tar itself.
 */
export type VolumeContentType = 'kubevirt' | 'archive';

/** The content type of bundle data in `format`: v1alpha2's `archive` and v1alpha1's `tar.gz` are archives, the rest disk images. */
export function contentTypeOf(format: string): VolumeContentType {
  return format === 'archive' || format === 'tar.gz' ? 'archive' : 'kubevirt';
}

/** One volume that gets its bytes from a bundle data entry. */
export interface PlannedUpload {
  /** The data entry, as the bundle names it (source namespace and volume). */
  entryNamespace: string;
  entryVolume: string;
  /** The DataVolume (and PVC) on the target. */
  namespace: string;
  name: string;
  /** What the bytes are: the DataVolume's `spec.contentType` says the same, so CDI's upload proxy routes them right. */
  contentType: VolumeContentType;
}

/** A volume the plan could not give data to, and why. */
export interface DataWarning {
  namespace: string;
  name: string;
  message: string;
}

export interface DataPlan {
  objects: KubeObject[];
  uploads: PlannedUpload[];
  /** Volumes pointed at an export URL. */
  imports: { namespace: string; name: string; url: string; contentType: VolumeContentType }[];
  warnings: DataWarning[];
}

export interface DataPlanInput {
  mode: DataSourceMode;
  /** The transformed objects. */
  objects: readonly KubeObject[];
  exports: readonly ExportRecord[];
  /** Where the transform moved a source namespace. */
  mapNamespace: (namespace: string) => string;
  /** `--allow-export-host`: loopback, link-local or metadata hosts an export URL may name nevertheless. */
  allowedExportHosts?: readonly string[];
}

/**
 * Rewrites the volumes that will get their data from the bundle or an export URL: their DataVolume (or the VM's
 * dataVolumeTemplate of that name) gets an `upload` or `http` source and loses `prePopulated`, the PVC a DataVolume
 * recreates is dropped, and a PVC without a DataVolume becomes a DataVolume of the same name and spec (CDI only
 * uploads into or imports into DataVolumes). `none` changes nothing.
 * @throws InputError when export-url is asked for but a record carries no token or no URL for a volume.
 */
export function planData(input: DataPlanInput): DataPlan {
  const plan: DataPlan = { objects: [...input.objects], uploads: [], imports: [], warnings: [] };
  if (input.mode === 'none') return plan;
  const volumes: { namespace: string; name: string; record: ExportRecord; contentType: VolumeContentType }[] = [];
  for (const record of input.exports) {
    const namespace = input.mapNamespace(record.namespace);
    const found =
      input.mode === 'bundle'
        ? record.data.map((item) => ({ name: item.volume, contentType: contentTypeOf(item.format) }))
        : linkVolumes(record).map((volume) => ({ name: volume.name, contentType: offeredContentType(volume.formats) }));
    const byName = new Map(found.map((volume) => [volume.name, volume.contentType]));
    for (const [name, contentType] of [...byName].sort(([a], [b]) => compareStrings(a, b))) volumes.push({ namespace, name, record, contentType });
  }
  const extra: KubeObject[] = [];
  for (const volume of volumes) {
    const source: JsonObject = input.mode === 'bundle' ? { upload: {} } : httpSource(volume.record, volume.name, volume.namespace, volume.contentType, extra, input.allowedExportHosts ?? []);
    if (!rewriteVolume(plan.objects, volume.namespace, volume.name, source, volume.contentType)) {
      plan.warnings.push({ namespace: volume.namespace, name: volume.name, message: 'no DataVolume, VM dataVolumeTemplate or PVC of this name is restored; its data is left out' });
      continue;
    }
    const target = { namespace: volume.namespace, name: volume.name, contentType: volume.contentType };
    if (input.mode === 'bundle') plan.uploads.push({ entryNamespace: volume.record.namespace, entryVolume: volume.name, ...target });
    else plan.imports.push({ ...target, url: (source.http as { url: string }).url });
  }
  for (const object of extra) if (!plan.objects.some((other) => sameObject(other, object))) plan.objects.push(object);
  return plan;
}

/** What an export offers a volume as: a disk image (raw, gzip) or, for a claim that is not a KubeVirt disk, only an archive (dir, tar.gz). */
function offeredContentType(formats: readonly { format: string }[]): VolumeContentType {
  return formats.some((format) => format.format === 'raw' || format.format === 'gzip') ? 'kubevirt' : 'archive';
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name;
}

/** The links of a record, external first: restore usually runs against another cluster than the export. */
function linkVolumes(record: ExportRecord) {
  return (record.links.external ?? record.links.internal)?.volumes ?? [];
}

/** An http source as `virtctl vmexport --manifest` writes it, plus its CA ConfigMap and header Secret in `extra`. */
function httpSource(record: ExportRecord, volume: string, namespace: string, contentType: VolumeContentType, extra: KubeObject[], allowedHosts: readonly string[]): JsonObject {
  const links = record.links.external ?? record.links.internal;
  const formats = links?.volumes.find((item) => item.name === volume)?.formats ?? [];
  // CDI's http importer unpacks an archive DataVolume's tar.gz into the claim (pkg/importer/http-datasource.go).
  const chosen = contentType === 'archive' ? formats.find((format) => format.format === 'tar.gz') : (formats.find((format) => format.format === 'gzip') ?? formats.find((format) => format.format === 'raw'));
  const where = `export record ${record.namespace}/${record.vmName}`;
  if (!chosen || !links) throw new InputError(`${where}: no raw, gzip or tar.gz URL for volume ${volume} (--data-source export-url)`);
  const problem = exportUrlProblem(record, links, volume, chosen.url, allowedHosts);
  if (problem) throw new InputError(`${where}: refusing the URL of volume ${volume}: ${JSON.stringify(chosen.url)} ${problem}`);
  if (!record.token) throw new InputError(`${where} carries no export token: export with --include-token, or restore with --data-source none`);
  const http: JsonObject = { url: chosen.url, secretExtraHeaders: [`kvbackup-export-token-${record.vmName}`] };
  extra.push({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `kvbackup-export-token-${record.vmName}`, namespace },
    type: 'Opaque',
    stringData: { token: `${EXPORT_TOKEN_HEADER}:${record.token}` },
  });
  if (links?.cert) {
    http.certConfigMap = `kvbackup-export-ca-${record.vmName}`;
    extra.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `kvbackup-export-ca-${record.vmName}`, namespace }, data: { 'ca.pem': links.cert } });
  }
  return { http };
}

/** Gives the volume `source` and `contentType`; false when nothing of that name is restored. */
function rewriteVolume(objects: KubeObject[], namespace: string, name: string, source: JsonObject, contentType: VolumeContentType): boolean {
  const at = (kind: string) => objects.findIndex((object) => object.kind === kind && object.metadata.namespace === namespace && object.metadata.name === name);
  const dvAt = at('DataVolume');
  const pvcAt = at('PersistentVolumeClaim');
  let found = false;
  if (dvAt >= 0) {
    objects[dvAt] = withSource(objects[dvAt] as KubeObject, source, contentType);
    found = true;
  }
  for (let i = 0; i < objects.length; i++) {
    const vm = objects[i] as KubeObject;
    if (vm.kind !== 'VirtualMachine' || vm.metadata.namespace !== namespace) continue;
    const templates = getArray(vm, 'spec', 'dataVolumeTemplates');
    if (!templates.some((template) => isRecord(template.metadata) && template.metadata.name === name)) continue;
    const spec = vm.spec as JsonObject;
    objects[i] = {
      ...vm,
      spec: {
        ...spec,
        dataVolumeTemplates: templates.map((template) =>
          isRecord(template.metadata) && template.metadata.name === name ? (withSource(template as unknown as KubeObject, source, contentType) as unknown as JsonObject) : (template as JsonObject),
        ),
      },
    };
    found = true;
  }
  if (pvcAt >= 0) {
    const pvc = objects[pvcAt] as KubeObject;
    // CDI would adopt a restored claim instead of filling it; the DataVolume recreates it empty and fills it.
    objects.splice(pvcAt, 1);
    if (!found) objects.push(dataVolumeFor(pvc, source, contentType));
    found = true;
  }
  return found;
}

/**
 * An archive sets `contentType: archive`; a disk image clears an `archive` it does not match (kubevirt is CDI's
 * default, so a DataVolume that never named one is left as it is).
 */
function withContentType(spec: JsonObject, contentType: VolumeContentType): JsonObject {
  const { contentType: current, ...rest } = spec;
  if (contentType === 'archive') return { ...rest, contentType };
  return current === undefined || current === 'archive' ? rest : { ...rest, contentType: current };
}

function withSource(dv: KubeObject, source: JsonObject, contentType: VolumeContentType): KubeObject {
  const { sourceRef: _sourceRef, source: _source, ...spec } = (dv.spec ?? {}) as JsonObject;
  const annotations = { ...(dv.metadata.annotations ?? {}) };
  delete annotations[Annotations.prePopulated];
  const { annotations: _old, ...rest } = dv.metadata;
  const metadata: KubeObject['metadata'] = Object.keys(annotations).length === 0 ? rest : { ...rest, annotations };
  return { ...dv, metadata, spec: { ...withContentType(spec, contentType), source } };
}

/** A DataVolume that recreates a standalone PVC (same name, labels, spec) and fills it from `source`. */
function dataVolumeFor(pvc: KubeObject, source: JsonObject, contentType: VolumeContentType): KubeObject {
  const { dataSource: _a, dataSourceRef: _b, volumeName: _c, ...spec } = (pvc.spec ?? {}) as JsonObject;
  const annotations = { ...(pvc.metadata.annotations ?? {}) };
  delete annotations[Annotations.populatedFor];
  // CDI writes it onto the claim from the DataVolume's spec.contentType, which says what the bytes now are.
  delete annotations[Annotations.contentType];
  const metadata: KubeObject['metadata'] = { name: pvc.metadata.name };
  if (pvc.metadata.namespace !== undefined) metadata.namespace = pvc.metadata.namespace;
  if (pvc.metadata.labels) metadata.labels = pvc.metadata.labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', metadata, spec: { ...withContentType({}, contentType), source, pvc: spec } };
}

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

/** One volume that gets its bytes from a bundle data entry. */
export interface PlannedUpload {
  /** The data entry, as the bundle names it (source namespace and volume). */
  entryNamespace: string;
  entryVolume: string;
  /** The DataVolume (and PVC) on the target. */
  namespace: string;
  name: string;
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
  imports: { namespace: string; name: string; url: string }[];
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
  const volumes: { namespace: string; name: string; record: ExportRecord; entryNamespace: string; entryVolume: string }[] = [];
  for (const record of input.exports) {
    const namespace = input.mapNamespace(record.namespace);
    const names = input.mode === 'bundle' ? record.data.map((item) => item.volume) : linkVolumes(record).map((volume) => volume.name);
    for (const name of [...new Set(names)].sort(compareStrings)) volumes.push({ namespace, name, record, entryNamespace: record.namespace, entryVolume: name });
  }
  const extra: KubeObject[] = [];
  for (const volume of volumes) {
    const source: JsonObject = input.mode === 'bundle' ? { upload: {} } : httpSource(volume.record, volume.name, volume.namespace, extra, input.allowedExportHosts ?? []);
    if (!rewriteVolume(plan.objects, volume.namespace, volume.name, source)) {
      plan.warnings.push({ namespace: volume.namespace, name: volume.name, message: 'no DataVolume, VM dataVolumeTemplate or PVC of this name is restored; its data is left out' });
      continue;
    }
    if (input.mode === 'bundle') plan.uploads.push({ entryNamespace: volume.entryNamespace, entryVolume: volume.entryVolume, namespace: volume.namespace, name: volume.name });
    else plan.imports.push({ namespace: volume.namespace, name: volume.name, url: (source.http as { url: string }).url });
  }
  for (const object of extra) if (!plan.objects.some((other) => sameObject(other, object))) plan.objects.push(object);
  return plan;
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name;
}

/** The links of a record, external first: restore usually runs against another cluster than the export. */
function linkVolumes(record: ExportRecord) {
  return (record.links.external ?? record.links.internal)?.volumes ?? [];
}

/** An http source as `virtctl vmexport --manifest` writes it, plus its CA ConfigMap and header Secret in `extra`. */
function httpSource(record: ExportRecord, volume: string, namespace: string, extra: KubeObject[], allowedHosts: readonly string[]): JsonObject {
  const links = record.links.external ?? record.links.internal;
  const formats = links?.volumes.find((item) => item.name === volume)?.formats ?? [];
  const chosen = formats.find((format) => format.format === 'gzip') ?? formats.find((format) => format.format === 'raw');
  const where = `export record ${record.namespace}/${record.vmName}`;
  if (!chosen || !links) throw new InputError(`${where}: no raw or gzip URL for volume ${volume} (--data-source export-url)`);
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

/** Gives the volume `source`; false when nothing of that name is restored. */
function rewriteVolume(objects: KubeObject[], namespace: string, name: string, source: JsonObject): boolean {
  const at = (kind: string) => objects.findIndex((object) => object.kind === kind && object.metadata.namespace === namespace && object.metadata.name === name);
  const dvAt = at('DataVolume');
  const pvcAt = at('PersistentVolumeClaim');
  let found = false;
  if (dvAt >= 0) {
    objects[dvAt] = withSource(objects[dvAt] as KubeObject, source);
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
          isRecord(template.metadata) && template.metadata.name === name ? (withSource(template as unknown as KubeObject, source) as unknown as JsonObject) : (template as JsonObject),
        ),
      },
    };
    found = true;
  }
  if (pvcAt >= 0) {
    const pvc = objects[pvcAt] as KubeObject;
    // CDI would adopt a restored claim instead of filling it; the DataVolume recreates it empty and fills it.
    objects.splice(pvcAt, 1);
    if (!found) objects.push(dataVolumeFor(pvc, source));
    found = true;
  }
  return found;
}

function withSource(dv: KubeObject, source: JsonObject): KubeObject {
  const { sourceRef: _sourceRef, source: _source, ...spec } = (dv.spec ?? {}) as JsonObject;
  const annotations = { ...(dv.metadata.annotations ?? {}) };
  delete annotations[Annotations.prePopulated];
  const { annotations: _old, ...rest } = dv.metadata;
  const metadata: KubeObject['metadata'] = Object.keys(annotations).length === 0 ? rest : { ...rest, annotations };
  return { ...dv, metadata, spec: { ...spec, source } };
}

/** A DataVolume that recreates a standalone PVC (same name, labels, spec) and fills it from `source`. */
function dataVolumeFor(pvc: KubeObject, source: JsonObject): KubeObject {
  const { dataSource: _a, dataSourceRef: _b, volumeName: _c, ...spec } = (pvc.spec ?? {}) as JsonObject;
  const annotations = { ...(pvc.metadata.annotations ?? {}) };
  delete annotations[Annotations.populatedFor];
  const metadata: KubeObject['metadata'] = { name: pvc.metadata.name };
  if (pvc.metadata.namespace !== undefined) metadata.namespace = pvc.metadata.namespace;
  if (pvc.metadata.labels) metadata.labels = pvc.metadata.labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', metadata, spec: { source, pvc: spec } };
}

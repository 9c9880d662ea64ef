// The JSON documents a bundle holds, and builders that lay their keys out in one fixed order.

import type { JsonObject, JsonValue } from '../model/kube-object.ts';
import type { TransformOptions } from '../transform/option-registry.ts';
import type { DataFormat, FormatVersion } from './layout.ts';
import type { VolumeFormat } from './volume-index.ts';

/** The format version this code writes. */
export const BUNDLE_FORMAT_VERSION = 'v1alpha2' satisfies FormatVersion;
/** Every format version this code reads, oldest first. */
export const READABLE_FORMAT_VERSIONS: readonly FormatVersion[] = ['v1alpha1', 'v1alpha2'];
/** Marks a header as ours, so an unrelated tar with a `kvbackup.json` is not mistaken for a bundle. */
export const FORMAT_NAME = 'kubectl-kvbackup';

/** Facts about the cluster a bundle was exported from; absent when it was built from files. */
export interface SourceCluster {
  server?: string;
  kubernetesVersion?: string;
  kubevirtVersion?: string;
  cdiVersion?: string;
}

/** What the user asked to export. */
export interface Selection {
  allNamespaces?: boolean;
  namespaces?: string[];
  names?: string[];
  /** A label selector as given to `-l`. */
  selector?: string;
}

/** Set by `transform` on the bundles it writes. */
export interface TransformInfo {
  seed?: string;
  /**
   * The options the transform ran with, after defaults and without the seed (stored with sorted keys); the header
   * schema checks them against schemas/transform-options.schema.json, so a reader gets them typed.
   */
  options: Omit<TransformOptions, 'seed'>;
  /** Rule names in the order they ran. */
  rules: string[];
}

/** How many entries of each kind follow the header; the reader checks them. */
export interface BundleContents {
  objects: number;
  exports: number;
  /** Volume data: data files (v1alpha1) or volume indexes (v1alpha2); chunks are counted in the trailer. */
  data: number;
}

/** Full or Incremental, as KubeVirt's VirtualMachineBackup `status.type` says. */
export type BackupType = 'Full' | 'Incremental';

/** One VM of a backup-API export: its VirtualMachineBackup and the checkpoint it ended with. */
export interface BackupVm {
  namespace: string;
  name: string;
  /** The VM's UID: a chain never mixes two VMs of the same name. */
  uid: string;
  /** The VirtualMachineBackupTracker whose checkpoints the chain follows. */
  tracker: string;
  /** What the cluster made (`status.type`), which may be Full although Incremental was asked for. */
  type: BackupType;
  /** The backup's `status.checkpointName`: the base of the next incremental. */
  checkpoint: string;
  /** Incremental only: the checkpoint the changes are relative to (the previous link's `checkpoint`). */
  baseCheckpoint?: string;
  /** False when the guest could not be frozen: the data is crash-consistent. */
  quiesced: boolean;
}

/** Where a bundle sits in an incremental chain (`export --incremental`, `merge`). */
export interface BackupInfo {
  /** Incremental when the bundle's volume indexes may reference chunks of its base; Full: self-contained. */
  type: BackupType;
  /** 0 for a Full bundle, the base's position + 1 otherwise. */
  chainPosition: number;
  /** The previous link: its bundle digest (`bundleDigest`, the digest of its trailer). Null for a Full bundle. */
  base: { digest: string } | null;
  vms: BackupVm[];
  /** Set by `merge`: the bundle digests of the links it combined, oldest first. */
  mergedFrom?: string[];
}

/** `kvbackup.json`, the first entry. */
export interface BundleHeader {
  format: typeof FORMAT_NAME;
  formatVersion: FormatVersion;
  toolVersion: string;
  /** RFC 3339; also the mtime of every tar entry. */
  createdAt: string;
  source?: SourceCluster;
  selection: Selection;
  transformed?: TransformInfo;
  /** Set by `export --incremental` and `merge`. */
  backup?: BackupInfo;
  contents: BundleContents;
}

/** One download of a volume in one format. */
export interface ExportVolumeFormat {
  /** `raw`, `gzip`, `dir` or `tar.gz` as KubeVirt reports them. */
  format: string;
  url: string;
}

/** The links of one VirtualMachineExport link type (internal or external). */
export interface ExportLinks {
  /** The CA certificate (PEM) that signs the export server's certificate. */
  cert?: string;
  volumes: { name: string; formats: ExportVolumeFormat[] }[];
  manifests: { type: string; url: string }[];
}

/**
 * A volume's data stored in the bundle, cross-referenced from its export record. v1alpha2: `format` is the
 * volume's (`raw` or `archive`) and `path` its index (`volumes/<namespace>/<volume>/index.json.zst`), which holds
 * the size and sha256. v1alpha1: `format` is the data file's (`raw`, `gzip`, `tar.gz`), `path` the data file, with
 * its `size` and optionally `sha256`.
 */
export interface ExportDataItem {
  volume: string;
  format: DataFormat | VolumeFormat;
  path: string;
  /** v1alpha1 only. */
  size?: number;
  /** v1alpha1 only (optional there too: the trailer carries the checksum of every entry). */
  sha256?: string;
}

/** `exports/<namespace>/<vm-name>.json`: how to fetch a VM's volumes from its VirtualMachineExport. */
export interface ExportRecord {
  namespace: string;
  vmName: string;
  exportName: string;
  /** `Pending`, `Ready`, `Terminated` or `Skipped` when the record was written. */
  phase: string;
  /** The export's `spec.source` when it is not the VM itself (for example a VirtualMachineSnapshot). */
  source?: { apiGroup: string; kind: string; name: string };
  links: { internal?: ExportLinks; external?: ExportLinks };
  tokenSecretRef?: { namespace: string; name: string };
  /** The export token: present only when the writer was asked to include it. */
  token?: string;
  data: ExportDataItem[];
}

/** One entry as the trailer lists it. */
export interface TrailerEntry {
  path: string;
  size: number;
  sha256: string;
}

/** The chunk entries of a v1alpha2 bundle, which the trailer counts rather than lists (their indexes verify them). */
export interface TrailerChunks {
  count: number;
  /** Bytes of all chunk entries, as stored. */
  storedBytes: number;
}

/** `trailer.json`, the last entry. */
export interface Trailer {
  algorithm: 'sha256';
  /** Every entry before the trailer except chunks, in the order written. */
  entries: TrailerEntry[];
  /** v1alpha2. */
  chunks?: TrailerChunks;
  /** sha256 over the lines `<sha256> <size> <path>\n` of `entries`, in order. */
  digest: string;
}

/** The header with its keys in the documented order (nested free-form options sorted). */
export function canonicalHeader(header: BundleHeader): BundleHeader {
  const ordered: Record<string, unknown> = {
    format: header.format,
    formatVersion: header.formatVersion,
    toolVersion: header.toolVersion,
    createdAt: header.createdAt,
  };
  if (header.source) ordered.source = pick(header.source, ['server', 'kubernetesVersion', 'kubevirtVersion', 'cdiVersion']);
  ordered.selection = pick(header.selection, ['allNamespaces', 'namespaces', 'names', 'selector']);
  if (header.transformed) {
    ordered.transformed = pick(
      { ...header.transformed, options: sortKeysDeep(header.transformed.options) },
      ['seed', 'options', 'rules'],
    );
  }
  if (header.backup) {
    const vms = header.backup.vms.map((vm) => pick(vm, ['namespace', 'name', 'uid', 'tracker', 'type', 'checkpoint', 'baseCheckpoint', 'quiesced']));
    ordered.backup = pick({ ...header.backup, vms }, ['type', 'chainPosition', 'base', 'vms', 'mergedFrom']);
  }
  ordered.contents = pick(header.contents, ['objects', 'exports', 'data']);
  return ordered as unknown as BundleHeader;
}

/** The export record with its keys in the documented order; `token` kept only when `includeToken`. */
export function canonicalExportRecord(record: ExportRecord, includeToken: boolean): ExportRecord {
  const links = (value: ExportLinks) =>
    pick(
      {
        ...value,
        volumes: value.volumes.map((volume) => pick({ ...volume, formats: volume.formats.map((f) => pick(f, ['format', 'url'])) }, ['name', 'formats'])),
        manifests: value.manifests.map((manifest) => pick(manifest, ['type', 'url'])),
      },
      ['cert', 'volumes', 'manifests'],
    );
  const ordered: Record<string, unknown> = {
    namespace: record.namespace,
    vmName: record.vmName,
    exportName: record.exportName,
    phase: record.phase,
  };
  if (record.source) ordered.source = pick(record.source, ['apiGroup', 'kind', 'name']);
  const linkTypes: Record<string, unknown> = {};
  if (record.links.internal) linkTypes.internal = links(record.links.internal);
  if (record.links.external) linkTypes.external = links(record.links.external);
  ordered.links = linkTypes;
  if (record.tokenSecretRef) ordered.tokenSecretRef = pick(record.tokenSecretRef, ['namespace', 'name']);
  if (includeToken && record.token !== undefined) ordered.token = record.token;
  ordered.data = record.data.map((item) => pick(item, ['volume', 'format', 'path', 'size', 'sha256']));
  return ordered as unknown as ExportRecord;
}

/** A copy of `value` with object keys sorted (code-unit order) at every depth. */
export function sortKeysDeep(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep(value[key] as JsonValue);
  return out;
}

// Copies the listed keys in the listed order, skipping undefined; other keys are kept after them so the
// schema (additionalProperties: false) still sees and rejects them.
function pick<T extends object>(value: T, keys: readonly string[]): T {
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  for (const key of Object.keys(source)) if (!(key in out) && source[key] !== undefined) out[key] = source[key];
  return out as T;
}

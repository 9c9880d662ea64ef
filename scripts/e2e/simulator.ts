// The KubeVirt/CDI simulator's test-facing side: its switches and records.
// See scripts/e2e/README.md for what it plays and how.

import { createHash } from 'node:crypto';
import type { ControlPlane } from './cluster.ts';

/** Annotation: comma-separated steps that fail (see README.md for the steps). */
export const SIM_FAIL = 'sim.kvbackup.test/fail';
/** Annotation: comma-separated steps that never complete. */
export const SIM_STALL = 'sim.kvbackup.test/stall';
/** PVC annotation: size in bytes of the volume's generated content (default 1 MiB). */
export const SIM_DISK_SIZE = 'sim.kvbackup.test/disk-size';
/** Annotation on a VM (or its export): bytes per second each export-server volume response is held to. */
export const SIM_DOWNLOAD_RATE = 'sim.kvbackup.test/download-rate';
/** PVC annotation: "<offset>:<length>[,…]" byte ranges to overwrite with new content, once per distinct value. */
export const SIM_WRITE = 'sim.kvbackup.test/write';
/** PVC annotation set by the simulator: the last SIM_WRITE value applied. */
export const SIM_WRITTEN = 'sim.kvbackup.test/written';
/**
 * Annotation on a filesystem claim (not a KubeVirt disk): the files it holds, as a JSON object path → UTF-8 content
 * (see simFiles). Without it such a claim holds one disk.img of generated content.
 */
export const SIM_FILES = 'sim.kvbackup.test/files';
/** Namespace or VM label the simulated KubeVirt CR selects for changed block tracking. */
export const CBT_LABEL = { changedBlockTracking: 'true' } as const;

export type SimStep =
  | 'start'
  | 'guest-agent'
  | 'freeze'
  | 'unfreeze'
  | 'import'
  | 'upload'
  | 'bind'
  | 'volume-snapshot'
  | 'snapshot'
  | 'export'
  | 'download'
  | 'backup'
  | 'checkpoint-redefinition';

/** The annotations that switch steps to fail or stall. */
export function simSwitches(s: { fail?: SimStep[]; stall?: SimStep[] }): Record<string, string> {
  const out: Record<string, string> = {};
  if (s.fail?.length) out[SIM_FAIL] = s.fail.join(',');
  if (s.stall?.length) out[SIM_STALL] = s.stall.join(',');
  return out;
}

export interface FreezeCall {
  seq: number;
  time: string;
  op: 'freeze' | 'unfreeze';
  namespace: string;
  name: string;
  unfreezeTimeout?: string;
  /** "api" (aggregated API), "virt-controller" (snapshot controller), "virt-launcher" (backup job) or "timer" (unfreezeTimeout). */
  via: 'api' | 'virt-controller' | 'virt-launcher' | 'timer';
  user?: string;
  code: number;
  message?: string;
}

export interface FreezeRecord {
  calls: FreezeCall[];
  /** "namespace/name" of every VMI frozen right now. */
  frozen: string[];
}

async function control<T>(plane: ControlPlane, path: string): Promise<T> {
  const r = await fetch(plane.controlUrl + path);
  if (!r.ok) throw new Error(`simulator ${path}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

/** Every freeze/unfreeze so far; with namespace, only that namespace's. */
export async function freezeRecord(plane: ControlPlane, namespace?: string): Promise<FreezeRecord> {
  const all = await control<FreezeRecord>(plane, '/freezes');
  if (namespace === undefined) return all;
  return {
    calls: all.calls.filter((c) => c.namespace === namespace),
    frozen: all.frozen.filter((k) => k.startsWith(`${namespace}/`)),
  };
}

/** One regular file of a filesystem volume. */
export interface FileDigest {
  path: string;
  size: number;
  sha256: string;
}

/** The SIM_FILES annotation for a claim holding `files` (path → content). */
export function simFiles(files: Record<string, string>): Record<string, string> {
  return { [SIM_FILES]: JSON.stringify(files) };
}

/** The files `simFiles(files)` puts on a claim, as the simulator's records list them (sorted by path). */
export function fileDigests(files: Record<string, string>): FileDigest[] {
  return Object.entries(files)
    .map(([path, content]) => ({ path, size: Buffer.byteLength(content), sha256: createHash('sha256').update(content).digest('hex') }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface Upload {
  time: string;
  namespace: string;
  pvc: string;
  /** The upload server path: `/v1beta1/upload`, or `/v1beta1/upload-archive` where the proxy routed an archive. */
  path: string;
  /** The claim's `cdi.kubevirt.io/storage.contentType` the proxy routed by. */
  contentType: 'kubevirt' | 'archive';
  /** archive: the files the tar unpacked to. */
  files?: FileDigest[];
  receivedBytes: number;
  receivedSha256: string;
  /** Stored on the volume, after gzip is undone. */
  size: number;
  sha256: string;
}

export async function uploads(plane: ControlPlane, namespace?: string): Promise<Upload[]> {
  const all = await control<Upload[]>(plane, '/uploads');
  return namespace === undefined ? all : all.filter((u) => u.namespace === namespace);
}

export const pvcKey = (namespace: string, name: string): string => `pvc/${namespace}/${name}`;
export const volumeSnapshotKey = (namespace: string, name: string): string => `volumesnapshot/${namespace}/${name}`;

/** Size and sha256 of the bytes a volume holds now; a filesystem volume's (a tar of its files) also lists its files. */
export function volumeDigest(plane: ControlPlane, key: string): Promise<{ key: string; size: number; sha256: string; files?: FileDigest[] }> {
  return control(plane, `/volumes/${key}`);
}

/** The content the simulator generates for a volume nobody wrote: block i is sha256(key || uint64_be(i)). */
export function generatedVolumeBytes(key: string, size = 1 << 20): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(8);
  for (let i = 0n, total = 0; total < size; i++, total += 32) {
    counter.writeBigUInt64BE(i);
    blocks.push(createHash('sha256').update(key).update(counter).digest());
  }
  return Buffer.concat(blocks).subarray(0, size);
}

/** What the export server served for one export volume and file (disk.img, disk.img.gz, disk.tar.gz, dir/<file>). */
export interface Served {
  namespace: string;
  export: string;
  volume: string;
  /** The volume store key the bytes came from (`pvc/…` or `volumesnapshot/…`). */
  key: string;
  file: string;
  requests: number;
  /** Body bytes written, Range responses included. */
  bytes: number;
}

/** Requests and bytes the export server served, per export volume and file, in one namespace. */
export function served(plane: ControlPlane, namespace: string): Promise<Served[]> {
  return control(plane, `/served?namespace=${encodeURIComponent(namespace)}`);
}

/** The bytes the SIM_WRITE switch puts at one range: generated content of the key "<volume key>#write=<value>#<offset>". */
export function writtenBytes(key: string, value: string, offset: number, length: number): Buffer {
  return generatedVolumeBytes(`${key}#write=${value}#${offset}`, length);
}

/** What the backup map/data endpoints of one export volume served. */
export interface BackupTransfer {
  namespace: string;
  export: string;
  volume: string;
  mapRequests: number;
  mapBytes: number;
  dataRequests: number;
  dataBytes: number;
}

export function backupTransfers(plane: ControlPlane, namespace: string): Promise<BackupTransfer[]> {
  return control(plane, `/backup-transfers?namespace=${encodeURIComponent(namespace)}`);
}

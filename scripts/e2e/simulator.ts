// The KubeVirt/CDI simulator's test-facing side: its switches and records.
// See scripts/e2e/README.md for what it plays and how.

import { createHash } from 'node:crypto';
import type { ControlPlane } from './cluster.ts';

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

/** A byte range of a disk. */
export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * One simulator switch: the annotation the Go simulator reads, what it does (the line README.md's switch table
 * shows), and how a test's typed value is written into the annotation.
 */
export interface SimSwitch<T> {
  annotation: string;
  doc: string;
  encode(value: T): string;
}

const defineSwitch = <T>(declaration: SimSwitch<T>): SimSwitch<T> => Object.freeze(declaration);
const steps = (list: readonly SimStep[]) => list.join(',');

/** Every switch, one declaration each; `simAnnotations` writes them, scripts/e2e/README.md documents them. */
export const SimSwitches = {
  fail: defineSwitch<readonly SimStep[]>({ annotation: 'sim.kvbackup.test/fail', doc: 'the listed steps fail (see the step table)', encode: steps }),
  stall: defineSwitch<readonly SimStep[]>({ annotation: 'sim.kvbackup.test/stall', doc: 'the listed steps never complete (see the step table)', encode: steps }),
  diskSize: defineSwitch<number>({ annotation: 'sim.kvbackup.test/disk-size', doc: 'PVC or DataVolume: bytes of generated content (default 1 MiB)', encode: String }),
  downloadRate: defineSwitch<number>({ annotation: 'sim.kvbackup.test/download-rate', doc: 'VM or its export: bytes per second each export-server volume response is held to', encode: String }),
  write: defineSwitch<readonly ByteRange[]>({
    annotation: 'sim.kvbackup.test/write',
    doc: 'bound PVC: byte ranges overwritten with new content, once per distinct value',
    encode: (ranges) => ranges.map((range) => `${range.offset}:${range.length}`).join(','),
  }),
} as const;

export type SimSwitchName = keyof typeof SimSwitches;
type SwitchValue<S> = S extends SimSwitch<infer T> ? T : never;
export type SimSwitchValues = { [N in SimSwitchName]?: SwitchValue<(typeof SimSwitches)[N]> };

/** The annotations that set the given switches (an empty step list clears `fail` or `stall` when patched onto an object). */
export function simAnnotations(values: SimSwitchValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values) as [SimSwitchName, never][]) {
    if (value !== undefined) out[SimSwitches[name].annotation] = SimSwitches[name].encode(value);
  }
  return out;
}

/** PVC annotation the simulator sets once a `write` switch is applied: the value applied. */
export const SIM_WRITTEN = 'sim.kvbackup.test/written';
/** Namespace or VM label the simulated KubeVirt CR selects for changed block tracking. */
export const CBT_LABEL = { changedBlockTracking: 'true' } as const;

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

export interface Upload {
  time: string;
  namespace: string;
  pvc: string;
  path: string;
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

/** Size and sha256 of the bytes a volume holds now. */
export function volumeDigest(plane: ControlPlane, key: string): Promise<{ key: string; size: number; sha256: string }> {
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

/** What the export server served for one export volume and file (disk.img, disk.img.gz, disk.tar.gz, dir/disk.img). */
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

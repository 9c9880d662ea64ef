// KubeVirt's backup API (backup.kubevirt.io/v1alpha1) in pull mode: the tool's tracker per VM, a backup with its token Secret and scratch claim, its readiness, its map and data endpoints.

import { randomBytes } from 'node:crypto';
import { ClusterError } from '../../errors.ts';
import { get, getArray, getString, type KubeObject } from '../../model/kube-object.ts';
import { Kinds, mustKindInfo } from '../../model/kinds.ts';
import type { MapExtent } from '../../bundle/index.ts';
import type { ClusterClient } from './client.ts';
import { fetchWhole, type ExportServerSession } from './download.ts';
import { durationText } from './freeze.ts';
import { listKind } from './list.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, objectName, runLabels } from './run-labels.ts';
import { targetOf } from './resource.ts';
import { waitForAll, type Progress } from './wait.ts';

const backupKind = mustKindInfo(Kinds.VirtualMachineBackup);
const trackerKind = mustKindInfo(Kinds.VirtualMachineBackupTracker);
const backupApiVersion = `${backupKind.group}/${backupKind.version}`;
/** Names the VM on the backups, token Secrets and scratch claims of a run, so the next run finds a killed run's leftovers. */
export const BACKUP_VM_LABEL = 'kubectl-kvbackup/backup-of';

/** The tool's tracker of a VM: `kvbackup-<vm>`, cut with a hash suffix past 63 characters. */
export function trackerName(vmName: string): string {
  return objectName('tracker', vmName).replace(/^kvbackup-tracker-/, 'kvbackup-');
}

/** Why a VM cannot have an incremental backup, or undefined when it can (its changed block tracking is Enabled). */
export function trackingProblem(vm: KubeObject): string | undefined {
  const state = getString(vm, 'status', 'changedBlockTracking', 'state');
  if (state === 'Enabled') return undefined;
  if (state === undefined || state === 'Disabled') return 'changed block tracking is off for it (the KubeVirt CR\'s changedBlockTrackingLabelSelectors do not select it)';
  if (state === 'PendingRestart') return 'changed block tracking waits for a restart of the VM (tracking PendingRestart: restart the VM)';
  if (/FeatureGate/i.test(state)) return 'the IncrementalBackup feature gate is off';
  return `changed block tracking is ${state}`;
}

/** Whether the cluster serves the backup API (its CRDs are installed). */
export async function backupApiServed(client: ClusterClient, namespace: string, signal?: AbortSignal): Promise<boolean> {
  const result = await listKind(client, trackerKind, namespace, { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`, signal });
  return result.served;
}

/** The tool's tracker of the VM, created (labelled as the tool's) when there is none; never deleted by the tool. */
export async function ensureTracker(client: ClusterClient, namespace: string, vmName: string, signal?: AbortSignal): Promise<{ tracker: KubeObject; created: boolean }> {
  const name = trackerName(vmName);
  const found = await readTracker(client, namespace, name, signal);
  if (found) {
    if (getString(found, 'spec', 'source', 'name') !== vmName) throw new ClusterError(`VirtualMachineBackupTracker ${namespace}/${name} tracks ${getString(found, 'spec', 'source', 'name') ?? 'another VM'}, not ${vmName}`);
    return { tracker: found, created: false };
  }
  const tracker = await client.call<KubeObject>({
    target: targetOf(trackerKind.group, trackerKind.kind, 'create', namespace),
    body: {
      apiVersion: backupApiVersion,
      kind: trackerKind.kind,
      metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
      spec: { source: { apiGroup: Kinds.VirtualMachine.group, kind: Kinds.VirtualMachine.kind, name: vmName } },
    },
    signal,
  });
  return { tracker, created: true };
}

/** The tracker as it is now (the tool's trackers are listed by label: the role grants no GET). */
export async function readTracker(client: ClusterClient, namespace: string, name: string, signal?: AbortSignal): Promise<KubeObject | undefined> {
  const { objects } = await listKind(client, trackerKind, namespace, { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`, signal });
  return objects.find((object) => object.metadata.name === name);
}

/** The tracker's latest checkpoint name, when it has one. */
export function latestCheckpoint(tracker: KubeObject): string | undefined {
  return getString(tracker, 'status', 'latestCheckpoint', 'name');
}

/** What one backup of one VM is made of: the names are known before anything exists, so cleanup is registered first. */
export interface BackupNames {
  namespace: string;
  vmName: string;
  backupName: string;
  secretName: string;
  scratchName: string;
}

export function backupNames(runId: string, namespace: string, vmName: string): BackupNames {
  const backupName = objectName(runId, vmName);
  return { namespace, vmName, backupName, secretName: `${backupName}-token`, scratchName: `${backupName}-scratch` };
}

/**
 * Deletes what a killed run left for this VM (its labelled backups, token Secrets, scratch claims) and waits until
 * the backups are gone: KubeVirt runs one backup of a VM at a time. Returns the names of the backups deleted.
 */
export async function deleteLeftovers(client: ClusterClient, namespace: string, vmName: string, deadline: number, signal?: AbortSignal): Promise<string[]> {
  const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${BACKUP_VM_LABEL}=${vmName}`;
  const backups = (await listKind(client, backupKind, namespace, { labelSelector: selector, signal })).objects.map((object) => object.metadata.name);
  const leftovers = [...backups.map((name) => ({ kind: backupKind, name }))];
  for (const kind of ['Secret', 'PersistentVolumeClaim'] as const) {
    const info = mustKindInfo({ group: '', kind });
    for (const object of (await listKind(client, info, namespace, { labelSelector: selector, signal })).objects) leftovers.push({ kind: info, name: object.metadata.name });
  }
  for (const { kind, name } of leftovers) await client.callOptional({ target: targetOf(kind.group, kind.kind, 'delete', namespace, name), signal });
  while (backups.length > 0) {
    const left = (await listKind(client, backupKind, namespace, { labelSelector: selector, signal })).objects;
    if (left.length === 0) break;
    if (Date.now() > deadline) throw new ClusterError(`the earlier backups ${left.map((b) => `${namespace}/${b.metadata.name}`).join(', ')} are still being deleted`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return backups;
}

/** What the backup is asked for. */
export interface BackupRequest {
  names: BackupNames;
  runId: string;
  tracker: string;
  forceFullBackup: boolean;
  skipQuiesce: boolean;
  ttlSeconds: number;
  /** Bytes of the scratch claim (QEMU's copy-before-write of blocks the guest overwrites meanwhile). */
  scratchBytes: number;
}

/**
 * Creates the token Secret and the scratch claim, then the pull-mode backup of the tracker. All three carry the run's
 * labels and the VM's, so the next run removes them after a SIGKILL. Returns the token (never printed).
 */
export async function createBackup(client: ClusterClient, request: BackupRequest, signal?: AbortSignal): Promise<string> {
  const { names } = request;
  const labels = { ...runLabels(request.runId), [BACKUP_VM_LABEL]: names.vmName };
  const token = randomBytes(24).toString('base64url');
  await client.call({
    target: targetOf('', 'Secret', 'create', names.namespace),
    body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: names.secretName, namespace: names.namespace, labels }, type: 'Opaque', data: { token: Buffer.from(token).toString('base64') } },
    signal,
  });
  await client.call({
    target: targetOf('', 'PersistentVolumeClaim', 'create', names.namespace),
    body: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: names.scratchName, namespace: names.namespace, labels },
      spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', resources: { requests: { storage: String(request.scratchBytes) } } },
    },
    signal,
  });
  await client.call({
    target: targetOf(backupKind.group, backupKind.kind, 'create', names.namespace),
    body: {
      apiVersion: backupApiVersion,
      kind: backupKind.kind,
      metadata: { name: names.backupName, namespace: names.namespace, labels },
      spec: {
        source: { apiGroup: trackerKind.group, kind: trackerKind.kind, name: request.tracker },
        mode: 'Pull',
        pvcName: names.scratchName,
        tokenSecretRef: names.secretName,
        skipQuiesce: request.skipQuiesce,
        forceFullBackup: request.forceFullBackup,
        ttlDuration: durationText(request.ttlSeconds),
      },
    },
    signal,
  });
  return token;
}

function condition(object: KubeObject, type: string): { status?: string; reason?: string; message?: string } | undefined {
  const found = getArray(object, 'status', 'conditions').find((c) => get(c, 'type') === type);
  return found ? { status: getString(found, 'status'), reason: getString(found, 'reason'), message: getString(found, 'message') } : undefined;
}

/** Ready to pull once Progressing says ExportReady (KubeVirt's pull-mode backup controller); Failed is final. */
export function backupProgress(backup: KubeObject): Progress {
  const failed = condition(backup, 'Failed');
  if (failed?.status === 'True') return { state: 'failed', reason: failed.message ?? failed.reason ?? 'Failed' };
  const progressing = condition(backup, 'Progressing');
  if (progressing?.reason === 'ExportReady') return { state: 'done' };
  return { state: 'pending', reason: `${progressing?.reason ?? 'not started'}${progressing?.message ? `: ${progressing.message}` : ''}` };
}

/** What a ready backup offers. */
export interface ReadyBackup {
  type: 'Full' | 'Incremental';
  checkpoint: string;
  /** The only CA trusted for the endpoints. */
  ca: string | undefined;
  quiesced: boolean;
  volumes: { volumeName: string; mapEndpoint: string; dataEndpoint: string }[];
  exportName: string | undefined;
}

/** Waits for the backup's export to be ready (a ClusterError after the deadline, with what it waits for) and reads it. */
export async function waitForBackup(client: ClusterClient, names: BackupNames, deadline: number, signal?: AbortSignal): Promise<ReadyBackup> {
  const result = await waitForAll(client, { kind: backupKind, names: new Map([[names.namespace, [names.backupName]]]), labelSelector: `${BACKUP_VM_LABEL}=${names.vmName}`, deadline, progress: backupProgress, signal, firstIntervalMs: 250, maxIntervalMs: 1_000 });
  const failure = result.failed[0];
  if (failure) throw new ClusterError(`VirtualMachineBackup ${names.namespace}/${names.backupName} failed: ${failure.reason}`);
  const backup = result.objects.get(`${names.namespace}/${names.backupName}`) as KubeObject;
  const type = getString(backup, 'status', 'type');
  const checkpoint = getString(backup, 'status', 'checkpointName');
  if ((type !== 'Full' && type !== 'Incremental') || !checkpoint) throw new ClusterError(`VirtualMachineBackup ${names.namespace}/${names.backupName} is ready but names no type or checkpoint`);
  return {
    type,
    checkpoint,
    ca: getString(backup, 'status', 'endpointCert'),
    quiesced: condition(backup, 'Quiesced')?.status !== 'False',
    volumes: getArray(backup, 'status', 'includedVolumes').map((v) => ({
      volumeName: getString(v, 'volumeName') ?? '',
      mapEndpoint: getString(v, 'mapEndpoint') ?? '',
      dataEndpoint: getString(v, 'dataEndpoint') ?? '',
    })),
    exportName: getString(backup, 'status', 'exportName') ?? names.backupName,
  };
}

/** Deletes the backup (ending the pull job: only now does the tracker's checkpoint advance), its Secret and scratch claim. */
export async function deleteBackup(client: ClusterClient, names: BackupNames, deadline: number): Promise<void> {
  await client.callOptional({ target: targetOf(backupKind.group, backupKind.kind, 'delete', names.namespace, names.backupName) });
  for (;;) {
    const left = (await listKind(client, backupKind, names.namespace, { labelSelector: `${BACKUP_VM_LABEL}=${names.vmName}` })).objects.some((b) => b.metadata.name === names.backupName);
    if (!left || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await client.callOptional({ target: targetOf('', 'Secret', 'delete', names.namespace, names.secretName) });
  await client.callOptional({ target: targetOf('', 'PersistentVolumeClaim', 'delete', names.namespace, names.scratchName) });
}

/** Map pages are bounded by this many extents (KubeVirt's `page_size`). */
const MAP_PAGE_SIZE = 1024;
/** A map page is JSON of at most page_size extents. */
const MAP_PAGE_LIMIT = 4 * 1024 * 1024;

/** Every extent of a volume's map, page by page until `next_offset` is null. */
export async function readBackupMap(session: ExportServerSession, url: string, what: string): Promise<MapExtent[]> {
  const extents: MapExtent[] = [];
  let offset = 0;
  for (;;) {
    const body = await fetchWhole(session, `${url}?offset=${offset}&page_size=${MAP_PAGE_SIZE}`, `${what} map`, { limit: MAP_PAGE_LIMIT });
    let parsed: { extents?: unknown; next_offset?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new ClusterError(`${what} map: not JSON at offset ${offset}`);
    }
    for (const e of Array.isArray(parsed.extents) ? parsed.extents : []) {
      const { offset: o, length: l, type: t } = e as Record<string, unknown>;
      if (!Number.isSafeInteger(o) || !Number.isSafeInteger(l) || !Number.isSafeInteger(t)) throw new ClusterError(`${what} map: malformed extent at offset ${offset}`);
      extents.push({ offset: o as number, length: l as number, type: t as number });
    }
    const next = parsed.next_offset;
    if (next === null || next === undefined) return extents;
    if (!Number.isSafeInteger(next) || (next as number) <= offset) throw new ClusterError(`${what} map: next_offset ${String(next)} does not advance past ${offset}`);
    offset = next as number;
  }
}

/** Bytes [offset, offset + length) of the disk as it was when the backup began. */
export function readBackupData(session: ExportServerSession, url: string, offset: number, length: number, what: string): Promise<Buffer> {
  return fetchWhole(session, `${url}?offset=${offset}&length=${length}`, `${what} bytes ${offset}-${offset + length - 1}`, { length });
}

// `export --incremental`: per VM a pull-mode VirtualMachineBackup of the tool's tracker, only changed chunks fetched, unchanged ones referenced from the base bundle.

import {
  chunkSizeFor,
  incrementalVolumePlan,
  isAllZero,
  isZeroExtent,
  volumeIndexPath,
  type BackupInfo,
  type BackupVm,
  type ChunkPlan,
  type DataExtent,
  type ExportRecord,
  type VolumeExtent,
  type VolumeIndex,
} from '../bundle/index.ts';
import { getArray, getString, type KubeObject } from '../model/kube-object.ts';
import type { ObjectRef } from '../model/object-ref.ts';
import { createHash } from 'node:crypto';
import { encodeChunk } from '../io/chunks/codec.ts';
import type { BundleWriter } from '../io/tar/bundle-writer.ts';
import type { ScannedBundle } from './chain-input.ts';

type Cluster = typeof import('../io/cluster/index.ts');
type Client = InstanceType<Cluster['ClusterClient']>;

/** Largest data request: adjacent changed chunks are read together up to this. */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
const GiB = 1024 ** 3;

/** What the run needs from its caller (export.ts). */
export interface IncrementalContext {
  cluster: Cluster;
  client: Client;
  runId: string;
  signal: AbortSignal;
  /** The previous bundle of the chain (`--base`), read through. */
  base: ScannedBundle | undefined;
  skipQuiesce: boolean;
  ttlSeconds: number;
  exportTimeoutSeconds: number;
  parallel: number;
  includeToken: boolean;
  note(message: string): void;
  verbose(message: string): void;
  registerCleanup(what: string, run: () => Promise<void>): void;
  onRequest(): void;
}

/** One VM's backup as it runs. */
interface VmBackup {
  vm: KubeObject;
  names: import('../io/cluster/index.ts').BackupNames;
  tracker: string;
  token: string;
  asked: 'Full' | 'Incremental';
  ready: import('../io/cluster/index.ts').ReadyBackup;
  baseCheckpoint: string | undefined;
  /** VM volume name → claim name (the bundle keys volumes by claim, as restore finds them). */
  claims: Map<string, string>;
  record: ExportRecord;
}

/**
 * Why the backup API cannot serve these VMs, or undefined when it can: CRDs not served, or a VM whose changed
 * block tracking is not Enabled (gate off, not selected, waiting for a restart). The caller then makes a full export.
 */
export async function incrementalUnsupported(cluster: Cluster, client: Client, vms: readonly KubeObject[], signal: AbortSignal): Promise<string | undefined> {
  const namespace = vms[0]?.metadata.namespace ?? 'default';
  if (!(await cluster.backupApiServed(client, namespace, signal))) return 'the cluster does not serve backup.kubevirt.io (KubeVirt 1.8+ with the IncrementalBackup feature gate)';
  for (const vm of vms) {
    const problem = cluster.trackingProblem(vm);
    if (problem) return `VM ${vm.metadata.namespace}/${vm.metadata.name}: ${problem}`;
  }
  return undefined;
}

/** The claim behind each volume of a VM's spec (DataVolumes name their claim). */
function claimsOf(vm: KubeObject): Map<string, string> {
  const claims = new Map<string, string>();
  for (const volume of getArray(vm, 'spec', 'template', 'spec', 'volumes')) {
    const name = getString(volume, 'name');
    const claim = getString(volume, 'dataVolume', 'name') ?? getString(volume, 'persistentVolumeClaim', 'claimName');
    if (name && claim) claims.set(name, claim);
  }
  return claims;
}

/** Why the base cannot serve as this VM's base (so the backup is forced Full), or undefined. */
function baseProblem(base: ScannedBundle | undefined, vm: KubeObject, tracker: KubeObject, cluster: Cluster): string | undefined {
  if (!base) return 'no --base given';
  const backup = base.header.backup;
  if (!backup) return `${base.source} was not made by export --incremental`;
  const entry = backup.vms.find((v) => v.namespace === vm.metadata.namespace && v.name === vm.metadata.name);
  if (!entry) return `${base.source} does not hold this VM`;
  if (entry.uid !== vm.metadata.uid) return `${base.source} holds another VM of this name (UID ${entry.uid})`;
  if (entry.tracker !== tracker.metadata.name) return `${base.source} follows tracker ${entry.tracker}, not ${tracker.metadata.name}`;
  const latest = cluster.latestCheckpoint(tracker);
  if (latest !== entry.checkpoint) {
    return latest === undefined
      ? `the tracker has no checkpoint (it was created again or its checkpoint was cleared)`
      : `the tracker moved to checkpoint ${latest}, past ${base.source}'s ${entry.checkpoint} (an interrupted run or another client)`;
  }
  return undefined;
}

/**
 * Starts one backup per VM and waits until each is ready: leftovers of a killed run removed, the tracker created
 * on first use, Full forced when the base does not match the tracker. Cleanup (backup, Secret, scratch claim) is
 * registered before anything is created.
 */
export async function startBackups(context: IncrementalContext, vms: readonly { ref: ObjectRef; object: KubeObject }[]): Promise<VmBackup[]> {
  const { cluster, client, signal } = context;
  const deadline = Date.now() + context.exportTimeoutSeconds * 1000;
  const runs: VmBackup[] = [];
  for (const { ref, object: vm } of vms) {
    const where = `${ref.namespace}/${ref.name}`;
    const removed = await cluster.deleteLeftovers(client, ref.namespace, ref.name, deadline, signal);
    if (removed.length > 0) context.note(`warning: deleted the backup ${removed.join(', ')} of ${where} left by an interrupted run`);
    const { tracker, created } = await cluster.ensureTracker(client, ref.namespace, ref.name, signal);
    if (created) context.verbose(`created VirtualMachineBackupTracker ${ref.namespace}/${tracker.metadata.name}`);
    const problem = baseProblem(context.base, vm, tracker, cluster);
    if (problem && context.base) context.note(`warning: ${where}: full backup, not incremental: ${problem}`);
    else if (problem) context.verbose(`${where}: full backup (${problem})`);
    const names = cluster.backupNames(context.runId, ref.namespace, ref.name);
    context.registerCleanup(`VirtualMachineBackup ${ref.namespace}/${names.backupName}, its token Secret and scratch claim`, () => cluster.deleteBackup(client, names, Date.now() + 60_000));
    const claims = claimsOf(vm);
    const token = await cluster.createBackup(
      client,
      { names, runId: context.runId, tracker: tracker.metadata.name, forceFullBackup: problem !== undefined, skipQuiesce: context.skipQuiesce, ttlSeconds: context.ttlSeconds, scratchBytes: scratchBytes(vm) },
      signal,
    );
    const ready = await cluster.waitForBackup(client, names, deadline, signal);
    const asked = problem === undefined ? 'Incremental' : 'Full';
    if (asked === 'Incremental' && ready.type === 'Full') {
      context.note(`warning: ${where}: the cluster made a full backup although an incremental was asked for (its checkpoint was cleared: a restart whose redefinition failed, a restore, or a new tracker); this bundle holds it in full`);
    }
    if (!ready.quiesced) context.note(`warning: ${where}: the guest could not be frozen; its backup is crash-consistent`);
    const baseCheckpoint = ready.type === 'Incremental' ? context.base?.header.backup?.vms.find((v) => v.namespace === ref.namespace && v.name === ref.name)?.checkpoint : undefined;
    const record: ExportRecord = {
      namespace: ref.namespace,
      vmName: ref.name,
      exportName: ready.exportName ?? names.backupName,
      phase: 'Ready',
      source: { apiGroup: 'backup.kubevirt.io', kind: 'VirtualMachineBackup', name: names.backupName },
      links: {},
      tokenSecretRef: { namespace: ref.namespace, name: names.secretName },
      data: ready.volumes.map((v) => ({ volume: claims.get(v.volumeName) ?? v.volumeName, format: 'raw' as const, path: volumeIndexPath(ref.namespace, claims.get(v.volumeName) ?? v.volumeName) })),
    };
    if (context.includeToken) record.token = token;
    runs.push({ vm, names, tracker: tracker.metadata.name, token, asked, ready, baseCheckpoint, claims, record });
  }
  return runs;
}

/** Scratch space for blocks the guest overwrites during the backup: a tenth of the disks, at least 1 GiB, at most 10 GiB. */
function scratchBytes(vm: KubeObject): number {
  let total = 0;
  for (const template of getArray(vm, 'spec', 'dataVolumeTemplates')) {
    const request = getString(template, 'spec', 'storage', 'resources', 'requests', 'storage') ?? getString(template, 'spec', 'pvc', 'resources', 'requests', 'storage');
    total += quantityBytes(request);
  }
  return Math.min(10 * GiB, Math.max(GiB, Math.ceil(total / 10)));
}

function quantityBytes(quantity: string | undefined): number {
  const match = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(quantity ?? '');
  if (!match) return 0;
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: GiB, Ti: 1024 * GiB }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * unit;
}

/** The header's backup section for what the cluster made. */
export function backupInfo(runs: readonly VmBackup[], base: ScannedBundle | undefined): BackupInfo {
  const vms: BackupVm[] = runs.map((run) => ({
    namespace: run.vm.metadata.namespace ?? '',
    name: run.vm.metadata.name,
    uid: run.vm.metadata.uid ?? '',
    tracker: run.tracker,
    type: run.ready.type,
    checkpoint: run.ready.checkpoint,
    ...(run.baseCheckpoint ? { baseCheckpoint: run.baseCheckpoint } : {}),
    quiesced: run.ready.quiesced,
  }));
  const incremental = base?.header.backup && vms.some((vm) => vm.type === 'Incremental');
  if (!incremental) return { type: 'Full', chainPosition: 0, base: null, vms };
  return { type: 'Incremental', chainPosition: (base.header.backup?.chainPosition ?? 0) + 1, base: { digest: base.digest }, vms };
}

export function recordsOf(runs: readonly VmBackup[]): ExportRecord[] {
  return runs.map((run) => run.record);
}

/** What one volume cost. */
export interface BackupVolumeOutcome {
  namespace: string;
  volume: string;
  type: 'Full' | 'Incremental';
  size: number;
  fetchedBytes: number;
  requests: number;
  fetchedChunks: number;
  baseChunks: number;
  zeroChunks: number;
  storedBytes: number;
}

/**
 * Fetches every volume of every backup into the bundle: the map paged, the planned chunks read in requests of up to
 * 8 MiB, `parallel` at once, handed on in offset order; each fetched chunk zero-tested, hashed, stored unless the
 * bundle or the base already holds it; each index written after its chunks.
 */
export async function writeBackupData(context: IncrementalContext, writer: BundleWriter, runs: readonly VmBackup[]): Promise<BackupVolumeOutcome[]> {
  const { cluster } = context;
  const baseIndexes = new Map((context.base?.indexes ?? []).map((index) => [`${index.namespace}/${index.volume}`, index]));
  const baseChunks = new Map<string, DataExtent>();
  // Only a bundle that records its base (an Incremental one) may reference the base's chunks.
  const referencesBase = backupInfo(runs, context.base).type === 'Incremental';
  if (referencesBase) for (const index of baseIndexes.values()) for (const extent of index.extents) if (!isZeroExtent(extent)) baseChunks.set(extent.sha256, extent);
  const outcomes: BackupVolumeOutcome[] = [];
  for (const run of runs) {
    const session = cluster.openSession({ token: run.token, ca: run.ready.ca, url: run.ready.volumes[0]?.dataEndpoint ?? 'https://localhost', maxSockets: context.parallel, signal: context.signal, onRequest: context.onRequest });
    try {
      const volumes = [...run.ready.volumes].sort((a, b) => ((run.claims.get(a.volumeName) ?? a.volumeName) < (run.claims.get(b.volumeName) ?? b.volumeName) ? -1 : 1));
      for (const volume of volumes) {
        const namespace = run.names.namespace;
        const name = run.claims.get(volume.volumeName) ?? volume.volumeName;
        const what = `backup of volume ${namespace}/${name} (${run.names.vmName})`;
        const map = await cluster.readBackupMap(session, volume.mapEndpoint, what);
        const size = map.reduce((end, e) => Math.max(end, e.offset + e.length), 0);
        const candidate = baseIndexes.get(`${namespace}/${name}`);
        const base = run.ready.type === 'Incremental' && candidate && candidate.size === size && candidate.chunkSize === chunkSizeFor(size) ? candidate : undefined;
        if (run.ready.type === 'Incremental' && !base) context.note(`warning: volume ${namespace}/${name}: not in the base at this size; its unchanged chunks are fetched too`);
        const plans = incrementalVolumePlan({ size, chunkSize: chunkSizeFor(size), extents: run.ready.type === 'Incremental' && base ? map : map.map((e) => ({ ...e, type: e.type & ~1 })), base });
        const outcome: BackupVolumeOutcome = { namespace, volume: name, type: base ? 'Incremental' : 'Full', size, fetchedBytes: 0, requests: 0, fetchedChunks: 0, baseChunks: 0, zeroChunks: 0, storedBytes: 0 };
        const index = await fetchVolume(session, volume.dataEndpoint, what, plans, { namespace, volume: name, size, chunkSize: chunkSizeFor(size) }, writer, baseChunks, outcome, context);
        await writer.addVolumeIndex(index);
        outcomes.push(outcome);
      }
    } finally {
      session.close();
    }
  }
  return outcomes;
}

/** Groups of adjacent fetched chunks, each read with one request. */
function requestGroups(plans: readonly ChunkPlan[]): { offset: number; length: number; plans: ChunkPlan[] }[] {
  const groups: { offset: number; length: number; plans: ChunkPlan[] }[] = [];
  for (const plan of plans) {
    if (plan.action !== 'fetch') continue;
    const last = groups[groups.length - 1];
    if (last && last.offset + last.length === plan.offset && last.length + plan.length <= MAX_REQUEST_BYTES) {
      last.length += plan.length;
      last.plans.push(plan);
    } else groups.push({ offset: plan.offset, length: plan.length, plans: [plan] });
  }
  return groups;
}

async function fetchVolume(
  session: ReturnType<Cluster['openSession']>,
  url: string,
  what: string,
  plans: readonly ChunkPlan[],
  volume: { namespace: string; volume: string; size: number; chunkSize: number },
  writer: BundleWriter,
  baseChunks: ReadonlyMap<string, DataExtent>,
  outcome: BackupVolumeOutcome,
  context: IncrementalContext,
): Promise<VolumeIndex> {
  const groups = requestGroups(plans);
  const fetched = new Map<number, Promise<Buffer>>();
  let launched = 0;
  const launch = () => {
    while (launched < groups.length && fetched.size < context.parallel) {
      const group = groups[launched++] as (typeof groups)[number];
      const bytes = context.cluster.readBackupData(session, url, group.offset, group.length, what);
      bytes.catch(() => {}); // awaited in order below
      fetched.set(group.offset, bytes);
      outcome.requests += 1;
    }
  };
  const extents: VolumeExtent[] = [];
  const push = (extent: VolumeExtent) => {
    const last = extents[extents.length - 1];
    if (last && isZeroExtent(last) && isZeroExtent(extent)) last.length += extent.length;
    else extents.push(extent);
  };
  // The stream digest is known only when every byte passed here (a Full backup): an incremental leaves it out.
  const whole = plans.every((plan) => plan.action !== 'base') ? createHash('sha256') : undefined;
  let group = 0;
  let pending: { buffer: Buffer; start: number } | undefined;
  launch();
  for (const plan of plans) {
    if (plan.action === 'zero') {
      outcome.zeroChunks += 1;
      whole?.update(new Uint8Array(plan.length));
      push({ offset: plan.offset, length: plan.length, zero: true });
      continue;
    }
    if (plan.action === 'base') {
      outcome.baseChunks += 1;
      push({ offset: plan.offset, length: plan.length, sha256: plan.extent.sha256, stored: plan.extent.stored, base: true });
      continue;
    }
    if (!pending || plan.offset >= pending.start + pending.buffer.length) {
      const current = groups[group++] as (typeof groups)[number];
      const buffer = await (fetched.get(current.offset) as Promise<Buffer>);
      fetched.delete(current.offset);
      launch();
      outcome.fetchedBytes += buffer.length;
      pending = { buffer, start: current.offset };
    }
    const bytes = pending.buffer.subarray(plan.offset - pending.start, plan.offset - pending.start + plan.length);
    outcome.fetchedChunks += 1;
    whole?.update(bytes);
    if (isAllZero(bytes)) {
      push({ offset: plan.offset, length: plan.length, zero: true });
      continue;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const inBase = baseChunks.get(sha256);
    const stored = writer.storedChunk(sha256);
    if (stored) push({ offset: plan.offset, length: plan.length, sha256, stored });
    else if (inBase && inBase.length === plan.length) push({ offset: plan.offset, length: plan.length, sha256, stored: inBase.stored, base: true });
    else {
      const encoded = await encodeChunk(bytes, sha256);
      const ref = await writer.addChunk(encoded);
      outcome.storedBytes += ref.size;
      push({ offset: plan.offset, length: plan.length, sha256, stored: ref });
    }
  }
  return { namespace: volume.namespace, volume: volume.volume, size: volume.size, ...(whole ? { sha256: whole.digest('hex') } : {}), chunkSize: volume.chunkSize, format: 'raw', extents };
}

/** One verbose line per volume: what it cost on the wire and in the bundle. */
export function describeBackupOutcome(outcome: BackupVolumeOutcome): string {
  return `volume ${outcome.namespace}/${outcome.volume}: ${outcome.type}, ${outcome.size} bytes; fetched ${outcome.fetchedBytes} bytes in ${outcome.requests} data requests (${outcome.fetchedChunks} chunks), ${outcome.baseChunks} chunks from the base, ${outcome.zeroChunks} zero chunks, stored ${outcome.storedBytes}`;
}

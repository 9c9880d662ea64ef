// End-to-end checks of the simulated KubeVirt backup API (backup.kubevirt.io
// v1alpha1): changed block tracking, trackers and their checkpoints, pull-mode
// backups with their export's map and data endpoints, the write switch, TTL,
// and the CRDs generated from KubeVirt's Go code.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import { PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import { apiRequest, connect, createNamespace, createObjects, deleteNamespace, eventually, kubeConfig, objectApi, readObject, type ControlPlane } from './cluster.ts';
import { httpsRequest, type HttpResponse } from './http.ts';
import { backupTransfers, CBT_LABEL, freezeRecord, pvcKey, SIM_WRITTEN, simAnnotations, SimSwitches, volumeDigest, writtenBytes, type ByteRange } from './simulator.ts';
import { condition, vmiRunning, vmWithDataVolume, waitFor, type Obj } from './fixtures.ts';

const MiB = 1 << 20;
const DISK_SIZE = 8 * MiB;
const TOKEN = 'backup-token-e2e';
const BACKUP_API = 'backup.kubevirt.io/v1alpha1';

let plane: ControlPlane;
let kc: KubeConfig;
let ns: string;

const ref = (apiVersion: string, kind: string, name: string): Obj => ({ apiVersion, kind, metadata: { name, namespace: ns } });
const backupRef = (name: string): Obj => ref(BACKUP_API, 'VirtualMachineBackup', name);
const trackerRef = (name: string): Obj => ref(BACKUP_API, 'VirtualMachineBackupTracker', name);
const exportRef = (name: string): Obj => ref('export.kubevirt.io/v1', 'VirtualMachineExport', name);
const diskKey = (): string => pvcKey(ns, 'vm1-disk');

const trackerOf = (name: string, vm: string): Obj => ({
  ...trackerRef(name),
  metadata: { name },
  spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: vm } },
});

function backupOf(name: string, opts: { tracker?: string; forceFullBackup?: boolean; ttlDuration?: string; annotations?: Record<string, string> } = {}): Obj {
  return {
    ...backupRef(name),
    metadata: { name, annotations: opts.annotations ?? {} },
    spec: {
      source: { apiGroup: BACKUP_API.split('/')[0], kind: 'VirtualMachineBackupTracker', name: opts.tracker ?? 'vm1-tracker' },
      mode: 'Pull',
      pvcName: 'scratch',
      tokenSecretRef: 'backup-token',
      ...(opts.forceFullBackup ? { forceFullBackup: true } : {}),
      ...(opts.ttlDuration ? { ttlDuration: opts.ttlDuration } : {}),
    },
  };
}

/** A JSON merge patch (null removes a field) of the object o names. */
async function mergePatch(o: object): Promise<void> {
  await objectApi(kc).patch(o as Obj, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
}

/** Backups created and not finished yet: a failed test must not leave one running for the next. */
const running = new Set<string>();

/** Creates a pull-mode backup and waits until its export is ready to pull. */
async function readyBackup(name: string, opts: Parameters<typeof backupOf>[1] = {}): Promise<Obj> {
  await createObjects(kc, ns, [backupOf(name, opts)]);
  running.add(name);
  return waitFor(kc, backupRef(name), 'ExportReady', (o) => condition(o, 'Progressing')?.reason === 'ExportReady');
}

/** Deletes a backup (which ends the pull-mode job) and waits until it is gone. */
async function finishBackup(name: string): Promise<void> {
  running.delete(name);
  await objectApi(kc).delete(backupRef(name));
  await eventually(`backup ${name} gone`, async () => ((await exists(backupRef(name))) ? undefined : true));
}

async function exists(o: Obj): Promise<boolean> {
  try {
    await readObject(kc, o);
    return true;
  } catch {
    return false;
  }
}

function pull(backup: Obj, url: string, token = TOKEN): Promise<HttpResponse> {
  return httpsRequest(url, { headers: { 'x-kubevirt-export-token': token }, ca: backup.status.endpointCert });
}

type Extent = { offset: number; length: number; type: number; description: string };
type MapPage = { extents: Extent[] | null; next_offset: number | null };

/** Every extent of a volume's map, page by page; returns the pages' next_offset values too. */
async function readMap(backup: Obj, volume: number, pageSize?: number): Promise<{ extents: Extent[]; nextOffsets: (number | null)[] }> {
  const extents: Extent[] = [];
  const nextOffsets: (number | null)[] = [];
  let offset = 0;
  for (;;) {
    const query = `offset=${offset}${pageSize ? `&page_size=${pageSize}` : ''}`;
    const r = await pull(backup, `${backup.status.includedVolumes[volume].mapEndpoint}?${query}`);
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(r.headers['content-type'], 'application/json');
    const page = JSON.parse(r.body.toString()) as MapPage;
    extents.push(...(page.extents ?? []));
    nextOffsets.push(page.next_offset);
    if (page.next_offset === null) return { extents, nextOffsets };
    offset = page.next_offset;
  }
}

async function readData(backup: Obj, offset: number, length: number): Promise<Buffer> {
  const r = await pull(backup, `${backup.status.includedVolumes[0].dataEndpoint}?offset=${offset}&length=${length}`);
  assert.equal(r.status, 200, r.body.toString());
  assert.equal(r.headers['content-type'], 'application/octet-stream');
  assert.equal(r.headers['transfer-encoding'], 'chunked', 'streamed without a Content-Length, as the export server does');
  return r.body;
}

/** Overwrites ranges of vm1's disk through the write switch, waits until the simulator applied it; the switch's value. */
async function writeDisk(ranges: readonly ByteRange[]): Promise<string> {
  const annotations = simAnnotations({ write: ranges });
  const value = SimSwitches.write.encode(ranges);
  await mergePatch({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'vm1-disk', namespace: ns, annotations } });
  await waitFor(kc, ref('v1', 'PersistentVolumeClaim', 'vm1-disk'), `${SIM_WRITTEN}=${value}`, (o) => o.metadata?.annotations?.[SIM_WRITTEN] === value);
  return value;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const dataBytes = async (exportName: string): Promise<number> =>
  (await backupTransfers(plane, ns)).filter((t) => t.export === exportName).reduce((sum, t) => sum + t.dataBytes, 0);

/** The disk as of the last completed full backup, kept to rebuild later states from incremental ones. */
let fullImage: Buffer;

before(async () => {
  plane = await connect();
  kc = kubeConfig(plane);
  ns = await createNamespace(kc, 'backup');
  const vm = vmWithDataVolume('vm1', { diskSize: DISK_SIZE });
  vm.metadata = { ...vm.metadata, labels: { ...CBT_LABEL } };
  await createObjects(kc, ns, [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'backup-token' }, stringData: { token: TOKEN } } as Obj,
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'scratch' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    } as Obj,
    vm,
    vmWithDataVolume('untracked', { diskSize: 64 * 1024 }),
    trackerOf('vm1-tracker', 'vm1'),
    trackerOf('untracked-tracker', 'untracked'),
  ]);
  await vmiRunning(kc, ns, 'vm1');
});

afterEach(async () => {
  for (const name of running) await finishBackup(name);
});

after(() => deleteNamespace(kc, ns));

describe('simulated KubeVirt backup API', () => {
  it('enables changed block tracking for VMs the KubeVirt CR selects, and only those', async () => {
    const vm = await waitFor(kc, ref('kubevirt.io/v1', 'VirtualMachine', 'vm1'), 'CBT Enabled', (o) => o.status?.changedBlockTracking?.state === 'Enabled');
    assert.equal(vm.status.changedBlockTracking.state, 'Enabled');
    const vmi = await readObject<Obj>(kc, ref('kubevirt.io/v1', 'VirtualMachineInstance', 'vm1'));
    assert.equal(vmi.status.changedBlockTracking.state, 'Enabled');
    const kv = await readObject<Obj>(kc, { apiVersion: 'kubevirt.io/v1', kind: 'KubeVirt', metadata: { name: 'kubevirt', namespace: 'kubevirt' } });
    assert.ok(kv.spec.configuration.developerConfiguration.featureGates.includes('IncrementalBackup'));
    assert.deepEqual(kv.spec.configuration.changedBlockTrackingLabelSelectors.virtualMachineLabelSelector, { matchLabels: CBT_LABEL });

    await vmiRunning(kc, ns, 'untracked');
    const untracked = await readObject<Obj>(kc, ref('kubevirt.io/v1', 'VirtualMachine', 'untracked'));
    assert.equal(untracked.status.changedBlockTracking, undefined);
    await createObjects(kc, ns, [backupOf('untracked-backup', { tracker: 'untracked-tracker' })]);
    const waiting = await waitFor(kc, backupRef('untracked-backup'), 'Initializing', (o) => condition(o, 'Progressing')?.reason === 'Initializing');
    assert.equal(condition(waiting, 'Progressing')?.message, 'vm untracked has no ChangedBlockTracking, cannot start backup');
    assert.equal(waiting.status.type, undefined);
    await finishBackup('untracked-backup');

    // Selected while running: a restart is needed; deselected before it: Disabled.
    const untrackedRef = ref('kubevirt.io/v1', 'VirtualMachine', 'untracked');
    await mergePatch({ ...untrackedRef, metadata: { ...untrackedRef.metadata, labels: { ...CBT_LABEL } } });
    await waitFor(kc, untrackedRef, 'CBT PendingRestart', (o) => o.status?.changedBlockTracking?.state === 'PendingRestart');
    await mergePatch({ ...untrackedRef, metadata: { ...untrackedRef.metadata, labels: { changedBlockTracking: null } } });
    await waitFor(kc, untrackedRef, 'CBT Disabled', (o) => o.status?.changedBlockTracking?.state === 'Disabled');
  });

  it('makes a full backup when the tracker has no checkpoint, served by map and data endpoints', async () => {
    const backup = await readyBackup('full1');
    assert.equal(backup.status.type, 'Full');
    assert.match(backup.status.checkpointName, /^full1-\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
    assert.equal(backup.status.endpointCert, readFileSync(plane.caFile, 'utf8'));
    assert.equal(backup.status.includedVolumes.length, 1);
    const [volume] = backup.status.includedVolumes;
    assert.equal(volume.volumeName, 'root');
    assert.equal(volume.diskTarget, 'vda');
    assert.match(volume.mapEndpoint, /\/virtualmachineexports\/full1\/exports\/root\/map$/);
    assert.match(volume.dataEndpoint, /\/virtualmachineexports\/full1\/exports\/root\/data$/);
    assert.equal(condition(backup, 'Quiesced')?.reason, 'QuiesceSucceeded');
    assert.equal(backup.metadata?.finalizers?.includes('backup.kubevirt.io/vmbackup-protection'), true);

    const exp = await readObject<Obj>(kc, exportRef('full1'));
    assert.deepEqual(exp.spec.source, { apiGroup: 'backup.kubevirt.io', kind: 'VirtualMachineBackup', name: 'full1' });
    assert.equal(exp.metadata?.ownerReferences?.[0]?.uid, backup.metadata?.uid);
    assert.equal(exp.status.phase, 'Ready');
    assert.equal(backup.status.exportUID, exp.metadata?.uid);

    assert.equal((await pull(backup, volume.mapEndpoint, 'wrong-token')).status, 401);
    assert.equal((await pull(backup, `${volume.mapEndpoint}?page_size=0`)).status, 400);
    assert.equal((await pull(backup, `${volume.dataEndpoint}?offset=x`)).status, 400);
    assert.equal((await pull(backup, `${volume.mapEndpoint}?offset=${DISK_SIZE}`)).status, 500);
    await assert.rejects(pull(backup, `${volume.dataEndpoint}?offset=${DISK_SIZE}`), 'an offset past the end aborts the connection');
    assert.equal((await httpsRequest(volume.dataEndpoint, { method: 'POST', headers: { 'x-kubevirt-export-token': TOKEN }, ca: backup.status.endpointCert })).status, 405);
    assert.equal((await pull(backup, `${volume.mapEndpoint}?x-kubevirt-export-token=${TOKEN}`, '')).status, 200, 'the token may be a query parameter');
    const map = await readMap(backup, 0);
    assert.deepEqual(map.extents, [{ offset: 0, length: DISK_SIZE, type: 0, description: 'data' }]);
    assert.deepEqual(map.nextOffsets, [null]);

    fullImage = Buffer.concat([await readData(backup, 0, 3 * MiB), await readData(backup, 3 * MiB, 0)]);
    assert.equal(fullImage.length, DISK_SIZE);
    assert.equal(sha256(fullImage), (await volumeDigest(plane, diskKey())).sha256);
    assert.equal(await dataBytes('full1'), DISK_SIZE);

    const calls = (await freezeRecord(plane, ns)).calls.filter((c) => c.via === 'virt-launcher');
    assert.deepEqual(calls.map((c) => [c.op, c.code]), [['freeze', 200], ['unfreeze', 200]]);

    await finishBackup('full1');
    assert.equal(await exists(exportRef('full1')), false, 'the export goes with the backup');
    const tracker = await readObject<Obj>(kc, trackerRef('vm1-tracker'));
    assert.equal(tracker.status.latestCheckpoint.name, backup.status.checkpointName);
    assert.deepEqual(tracker.status.latestCheckpoint.volumes, [{ volumeName: 'root', diskTarget: 'vda' }]);
  });

  it('after 2 × 1 MiB written, makes an incremental backup whose map shows exactly those extents', async () => {
    const before = await volumeDigest(plane, diskKey());
    const value = await writeDisk([
      { offset: 1 * MiB, length: MiB },
      { offset: 5 * MiB, length: MiB },
    ]);
    const written = await volumeDigest(plane, diskKey());
    assert.notEqual(written.sha256, before.sha256);
    assert.equal(written.size, DISK_SIZE);

    const backup = await readyBackup('inc1');
    assert.equal(backup.status.type, 'Incremental');
    const tracker = await readObject<Obj>(kc, trackerRef('vm1-tracker'));
    assert.notEqual(backup.status.checkpointName, tracker.status.latestCheckpoint.name);

    const map = await readMap(backup, 0, 2);
    assert.deepEqual(map.extents, [
      { offset: 0, length: MiB, type: 0, description: 'clean' },
      { offset: MiB, length: MiB, type: 1, description: 'dirty' },
      { offset: 2 * MiB, length: 3 * MiB, type: 0, description: 'clean' },
      { offset: 5 * MiB, length: MiB, type: 1, description: 'dirty' },
      { offset: 6 * MiB, length: 2 * MiB, type: 0, description: 'clean' },
    ]);
    assert.deepEqual(map.nextOffsets, [2 * MiB, 6 * MiB, null]);

    // A write while the backup runs does not change what it serves (copy-before-write).
    await writeDisk([{ offset: 5 * MiB + 4096, length: 100 }]);
    const image = Buffer.from(fullImage);
    for (const e of map.extents.filter((x) => x.description === 'dirty')) {
      const data = await readData(backup, e.offset, e.length);
      assert.deepEqual(data, writtenBytes(diskKey(), value, e.offset, e.length));
      data.copy(image, e.offset);
    }
    assert.equal(sha256(image), written.sha256, 'full + incremental = the disk when the incremental began');
    assert.equal(await dataBytes('inc1'), 2 * MiB);
    await finishBackup('inc1');

    // The next incremental holds only the write made during inc1.
    const next = await readyBackup('inc2');
    assert.equal(next.status.type, 'Incremental');
    const dirty = (await readMap(next, 0)).extents.filter((e) => e.type & 1);
    assert.deepEqual(dirty, [{ offset: 5 * MiB, length: 64 * 1024, type: 1, description: 'dirty' }]);
    const granule = await readData(next, 5 * MiB, 64 * 1024);
    image.set(granule, 5 * MiB);
    assert.equal(sha256(image), (await volumeDigest(plane, diskKey())).sha256);
    fullImage = image;
    await finishBackup('inc2');
  });

  it('makes a full backup when forceFullBackup is set, and the checkpoint still advances', async () => {
    const backup = await readyBackup('forced', { forceFullBackup: true });
    assert.equal(backup.status.type, 'Full');
    assert.deepEqual((await readMap(backup, 0)).extents.map((e) => e.description), ['data']);
    await finishBackup('forced');
    const tracker = await readObject<Obj>(kc, trackerRef('vm1-tracker'));
    assert.equal(tracker.status.latestCheckpoint.name, backup.status.checkpointName);
  });

  it('makes a full backup when the tracker was deleted and created again', async () => {
    await readyBackup('tracker-goes-first');
    await objectApi(kc).delete(trackerRef('vm1-tracker'));
    await eventually('tracker gone', async () => ((await exists(trackerRef('vm1-tracker'))) ? undefined : true));
    await finishBackup('tracker-goes-first');
    await createObjects(kc, ns, [trackerOf('vm1-tracker', 'vm1')]);
    await writeDisk([{ offset: 3 * MiB, length: 10 }]);
    const backup = await readyBackup('after-new-tracker');
    assert.equal(backup.status.type, 'Full');
    await finishBackup('after-new-tracker');
  });

  it('redefines checkpoints after a restart, and falls back to full when that fails', async () => {
    const vm = ref('kubevirt.io/v1', 'VirtualMachine', 'vm1');
    const restart = async (): Promise<void> => {
      const old = await readObject<Obj>(kc, ref('kubevirt.io/v1', 'VirtualMachineInstance', 'vm1'));
      await mergePatch({ ...vm, spec: { runStrategy: 'Halted' } });
      await eventually('VMI gone', async () => ((await exists(ref('kubevirt.io/v1', 'VirtualMachineInstance', 'vm1'))) ? undefined : true));
      await mergePatch({ ...vm, spec: { runStrategy: 'Always' } });
      const vmi = await vmiRunning(kc, ns, 'vm1');
      assert.notEqual(vmi.metadata?.uid, old.metadata?.uid);
      await waitFor(kc, ref('kubevirt.io/v1', 'VirtualMachineInstance', 'vm1'), 'CBT Enabled', (o) => o.status?.changedBlockTracking?.state === 'Enabled');
    };
    await restart();
    const kept = await waitFor(kc, trackerRef('vm1-tracker'), 'redefined', (o) => o.status?.checkpointRedefinitionRequired === undefined);
    assert.ok(kept.status.latestCheckpoint.name);
    await writeDisk([{ offset: 7 * MiB, length: MiB }]);
    const incremental = await readyBackup('after-restart');
    assert.equal(incremental.status.type, 'Incremental');
    assert.deepEqual(
      (await readMap(incremental, 0)).extents.filter((e) => e.type & 1).map((e) => [e.offset, e.length]),
      [[7 * MiB, MiB]],
    );
    await finishBackup('after-restart');

    await mergePatch({ ...vm, metadata: { ...vm.metadata, annotations: simAnnotations({ fail: ['checkpoint-redefinition'] }) } });
    await restart();
    await waitFor(kc, trackerRef('vm1-tracker'), 'checkpoint cleared', (o) => o.status?.latestCheckpoint === undefined);
    const full = await readyBackup('after-lost-checkpoint');
    assert.equal(full.status.type, 'Full');
    await finishBackup('after-lost-checkpoint');
    await mergePatch({ ...vm, metadata: { ...vm.metadata, annotations: simAnnotations({ fail: [] }) } });
  });

  it('completes with a warning when the freeze fails, and removes the export after the TTL', async () => {
    const vm = ref('kubevirt.io/v1', 'VirtualMachine', 'vm1');
    await mergePatch({ ...vm, metadata: { ...vm.metadata, annotations: simAnnotations({ fail: ['freeze'] }) } });
    try {
      const backup = await readyBackup('crash-consistent', { ttlDuration: '6s' });
      assert.equal(condition(backup, 'Quiesced')?.status, 'False');
      assert.equal(condition(backup, 'Quiesced')?.reason, 'QuiesceFailed');
      assert.equal(await exists(exportRef('crash-consistent')), true);
      const done = await waitFor(kc, backupRef('crash-consistent'), 'Complete', (o) => condition(o, 'Complete')?.status === 'True', 20_000);
      assert.equal(condition(done, 'Complete')?.reason, 'CompletedWithWarning');
      assert.match(condition(done, 'Complete')?.message ?? '', /^Completed VirtualMachineBackup, warning: .*freeze/);
      assert.equal(condition(done, 'Progressing')?.status, 'False');
      await eventually('export removed after the TTL', async () => ((await exists(exportRef('crash-consistent'))) ? undefined : true));
      const tracker = await readObject<Obj>(kc, trackerRef('vm1-tracker'));
      assert.equal(tracker.status.latestCheckpoint.name, done.status.checkpointName);
      const failedFreeze = (await freezeRecord(plane, ns)).calls.filter((c) => c.via === 'virt-launcher' && c.code !== 200);
      assert.equal(failedFreeze.length, 1);
    } finally {
      await mergePatch({ ...vm, metadata: { ...vm.metadata, annotations: simAnnotations({ fail: [] }) } });
    }
    await finishBackup('crash-consistent');
  });

  it('backs up every disk of a two-disk VM, reporting zero granules as holes', async () => {
    const KiB = 1024;
    const image = Buffer.concat([randomBytes(128 * KiB), Buffer.alloc(192 * KiB), randomBytes(80 * KiB)]);
    await createObjects(kc, ns, [
      {
        apiVersion: 'cdi.kubevirt.io/v1beta1',
        kind: 'DataVolume',
        metadata: { name: 'vm2-data' },
        spec: { source: { upload: {} }, storage: { resources: { requests: { storage: '1Gi' } } } },
      } as Obj,
    ]);
    await waitFor(kc, ref('cdi.kubevirt.io/v1beta1', 'DataVolume', 'vm2-data'), 'UploadReady', (o) => o.status?.phase === 'UploadReady');
    const tokenResponse = await apiRequest(kc, 'POST', `/apis/upload.cdi.kubevirt.io/v1beta1/namespaces/${ns}/uploadtokenrequests`, {
      apiVersion: 'upload.cdi.kubevirt.io/v1beta1',
      kind: 'UploadTokenRequest',
      metadata: { name: 'vm2-data', namespace: ns },
      spec: { pvcName: 'vm2-data' },
    });
    const uploadToken = JSON.parse(tokenResponse.body.toString()).status.token as string;
    const sent = await httpsRequest(`${plane.uploadUrl}/v1beta1/upload`, {
      method: 'POST',
      ca: readFileSync(plane.caFile),
      headers: { Authorization: `Bearer ${uploadToken}`, 'Content-Type': 'application/octet-stream' },
      body: image,
    });
    assert.equal(sent.status, 200, sent.body.toString());

    const vm2 = vmWithDataVolume('vm2', { diskSize: 64 * KiB });
    vm2.metadata = { ...vm2.metadata, labels: { ...CBT_LABEL } };
    vm2.spec.template.spec.domain.devices.disks.push({ name: 'data', disk: { bus: 'sata' } });
    vm2.spec.template.spec.volumes.push({ name: 'data', dataVolume: { name: 'vm2-data' } });
    await createObjects(kc, ns, [vm2, trackerOf('vm2-tracker', 'vm2')]);
    await waitFor(kc, ref('kubevirt.io/v1', 'VirtualMachineInstance', 'vm2'), 'CBT Enabled', (o) => o.status?.changedBlockTracking?.state === 'Enabled');

    const full = await readyBackup('vm2-full', { tracker: 'vm2-tracker' });
    assert.deepEqual(
      full.status.includedVolumes.map((v: { volumeName: string; diskTarget: string }) => [v.volumeName, v.diskTarget]),
      [['root', 'vda'], ['data', 'sda']],
    );
    assert.deepEqual((await readMap(full, 1)).extents, [
      { offset: 0, length: 128 * KiB, type: 0, description: 'data' },
      { offset: 128 * KiB, length: 192 * KiB, type: 3, description: 'hole,zero' },
      { offset: 320 * KiB, length: 80 * KiB, type: 0, description: 'data' },
    ]);
    const data = await pull(full, full.status.includedVolumes[1].dataEndpoint);
    assert.deepEqual(data.body, image);
    const root = await pull(full, full.status.includedVolumes[0].dataEndpoint);
    assert.equal(sha256(root.body), (await volumeDigest(plane, pvcKey(ns, 'vm2-disk'))).sha256);
    await finishBackup('vm2-full');

    await mergePatch({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'vm2-data', namespace: ns, annotations: simAnnotations({ write: [{ offset: 128 * KiB, length: KiB }] }) } });
    await waitFor(kc, ref('v1', 'PersistentVolumeClaim', 'vm2-data'), 'written', (o) => o.metadata?.annotations?.[SIM_WRITTEN] !== undefined);
    const inc = await readyBackup('vm2-inc', { tracker: 'vm2-tracker' });
    assert.equal(inc.status.type, 'Incremental');
    assert.deepEqual((await readMap(inc, 0)).extents, [{ offset: 0, length: 64 * KiB, type: 0, description: 'clean' }]);
    assert.deepEqual((await readMap(inc, 1)).extents, [
      { offset: 0, length: 128 * KiB, type: 0, description: 'clean' },
      { offset: 128 * KiB, length: 64 * KiB, type: 1, description: 'dirty' },
      { offset: 192 * KiB, length: 128 * KiB, type: 2, description: 'zero' },
      { offset: 320 * KiB, length: 80 * KiB, type: 0, description: 'clean' },
    ]);
    await finishBackup('vm2-inc');
  });

  it('has CRDs that round-trip the objects KubeVirt 1.9 API types describe, with their validation', async () => {
    const tracker = trackerOf('roundtrip-tracker', 'no-such-vm');
    await createObjects(kc, ns, [tracker]);
    const trackerStatus = {
      latestCheckpoint: {
        name: 'b-2026-01-02_03-04-05',
        creationTime: '2026-01-02T03:04:05Z',
        volumes: [{ volumeName: 'root', diskTarget: 'vda', dataEndpoint: 'https://x/data', mapEndpoint: 'https://x/map' }],
      },
      checkpointRedefinitionRequired: false,
    };
    assert.deepEqual(await putStatus(trackerRef('roundtrip-tracker'), 'virtualmachinebackuptrackers', trackerStatus), trackerStatus);

    const backup = backupOf('roundtrip', { annotations: simAnnotations({ stall: ['backup'] }), forceFullBackup: true, ttlDuration: '1h30m0s' });
    backup.spec.skipQuiesce = true;
    await createObjects(kc, ns, [backup]);
    const stored = await readObject<Obj>(kc, backupRef('roundtrip'));
    assert.deepEqual(stored.spec, backup.spec);
    const backupStatus = {
      type: 'Incremental',
      conditions: [{ type: 'Progressing', status: 'True', reason: 'ExportReady', message: 'Backup export is ready to pull', lastTransitionTime: '2026-01-02T03:04:05Z' }],
      checkpointName: 'roundtrip-2026-01-02_03-04-05',
      endpointCert: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
      includedVolumes: [{ volumeName: 'root', diskTarget: 'vda', dataEndpoint: 'https://x/data', mapEndpoint: 'https://x/map' }],
      exportUID: '00000000-0000-0000-0000-000000000001',
    };
    assert.deepEqual(await putStatus(backupRef('roundtrip'), 'virtualmachinebackups', backupStatus), backupStatus);

    const invalid = async (o: Obj, message: RegExp): Promise<void> => {
      const r = await apiRequest(kc, 'POST', `/apis/${BACKUP_API}/namespaces/${ns}/virtualmachinebackups`, o);
      assert.equal(r.status, 422, r.body.toString());
      assert.match(r.body.toString(), message);
    };
    const noPvc = backupOf('no-pvc');
    delete noPvc.spec.pvcName;
    await invalid({ ...noPvc, metadata: { name: 'no-pvc', namespace: ns } }, /pvcName is required/);
    const noToken = backupOf('no-token');
    delete noToken.spec.tokenSecretRef;
    await invalid({ ...noToken, metadata: { name: 'no-token', namespace: ns } }, /tokenSecretRef is required when mode is Pull/);
    const wrongKind = backupOf('wrong-kind');
    wrongKind.spec.source = { apiGroup: 'kubevirt.io', kind: 'VirtualMachineBackupTracker', name: 'x' };
    await invalid({ ...wrongKind, metadata: { name: 'wrong-kind', namespace: ns } }, /kind must be VirtualMachine for kubevirt.io/);

    const current = await readObject<Obj>(kc, trackerRef('roundtrip-tracker'));
    current.spec.source.name = 'other-vm';
    const r = await apiRequest(kc, 'PUT', `/apis/${BACKUP_API}/namespaces/${ns}/virtualmachinebackuptrackers/roundtrip-tracker`, current);
    assert.equal(r.status, 422);
    assert.match(r.body.toString(), /spec is immutable after creation/);
  });
});

/** Writes an object's status through the status subresource and returns what the apiserver stored. */
async function putStatus(o: Obj, plural: string, status: unknown): Promise<unknown> {
  const current = await readObject<Obj>(kc, o);
  const r = await apiRequest(kc, 'PUT', `/apis/${BACKUP_API}/namespaces/${ns}/${plural}/${o.metadata?.name}/status`, { ...current, status });
  assert.equal(r.status, 200, r.body.toString());
  return (await readObject<Obj>(kc, o)).status;
}

// End-to-end checks of the simulated KubeVirt/CDI behaviour the product relies
// on: VM snapshots (with the guest frozen and thawed by the snapshot
// controller), exports served over HTTPS with the token, CDI uploads, and the
// fail/stall switches.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiRequest, connect, createNamespace, createObjects, deleteNamespace, kubeConfig, readObject, type ControlPlane } from './cluster.ts';
import { httpsRequest } from './http.ts';
import { freezeRecord, generatedVolumeBytes, pvcKey, simAnnotations, uploads, volumeDigest } from './simulator.ts';
import { condition, vmiRunning, vmWithDataVolume, waitFor, type Obj } from './fixtures.ts';

let plane: ControlPlane;
let kc: KubeConfig;
let ns: string;
const DISK_SIZE = 256 * 1024;

const ref = (apiVersion: string, kind: string, name: string): Obj => ({ apiVersion, kind, metadata: { name, namespace: ns } });
const snapshotOf = (name: string, vm: string, annotations: Record<string, string> = {}): Obj => ({
  ...ref('snapshot.kubevirt.io/v1beta1', 'VirtualMachineSnapshot', name),
  metadata: { name, annotations },
  spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: vm } },
});
const exportOf = (name: string, source: { apiGroup?: string; kind: string; name: string }, annotations: Record<string, string> = {}): Obj => ({
  ...ref('export.kubevirt.io/v1', 'VirtualMachineExport', name),
  metadata: { name, annotations },
  spec: { source, tokenSecretRef: 'export-token' },
});

before(async () => {
  plane = await connect();
  kc = kubeConfig(plane);
  ns = await createNamespace(kc, 'sim');
  await createObjects(kc, ns, [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'export-token' }, stringData: { token: 'sekret-token' } } as Obj,
    vmWithDataVolume('vm1', { diskSize: DISK_SIZE }),
  ]);
  await vmiRunning(kc, ns, 'vm1');
});

after(() => deleteNamespace(kc, ns));

describe('simulated KubeVirt and CDI', () => {
  it('snapshots a running VM, freezing and thawing the guest', async () => {
    await createObjects(kc, ns, [snapshotOf('snap1', 'vm1')]);
    const snap = await waitFor(kc, ref('snapshot.kubevirt.io/v1beta1', 'VirtualMachineSnapshot', 'snap1'), 'readyToUse', (o) => o.status?.readyToUse === true);
    assert.equal(snap.status.phase, 'Succeeded');
    assert.deepEqual(snap.status.sourceIndications.map((i: { indication: string }) => i.indication), ['GuestAgent', 'Online']);
    assert.deepEqual(snap.status.snapshotVolumes.includedVolumes, ['root']);
    assert.equal(condition(snap, 'Ready')?.status, 'True');

    const content = (await readObject(kc, ref('snapshot.kubevirt.io/v1beta1', 'VirtualMachineSnapshotContent', snap.status.virtualMachineSnapshotContentName))) as Obj;
    assert.equal(content.status.readyToUse, true);
    assert.equal(content.spec.source.virtualMachine.metadata.name, 'vm1');
    const [backup] = content.spec.volumeBackups;
    assert.equal(backup.persistentVolumeClaim.metadata.name, 'vm1-disk');
    const vs = (await readObject(kc, ref('snapshot.storage.k8s.io/v1', 'VolumeSnapshot', backup.volumeSnapshotName))) as Obj;
    assert.equal(vs.status.readyToUse, true);

    const record = await freezeRecord(plane, ns);
    assert.deepEqual(
      record.calls.map(({ op, via, code, unfreezeTimeout }) => ({ op, via, code, unfreezeTimeout })),
      [
        { op: 'freeze', via: 'virt-controller', code: 200, unfreezeTimeout: '5m0s' },
        { op: 'unfreeze', via: 'virt-controller', code: 200, unfreezeTimeout: undefined },
      ],
    );
    assert.deepEqual(record.frozen, []);
  });

  it('exports the snapshot over HTTPS, requiring the token', async () => {
    await createObjects(kc, ns, [exportOf('exp1', { apiGroup: 'snapshot.kubevirt.io', kind: 'VirtualMachineSnapshot', name: 'snap1' })]);
    const exp = await waitFor(kc, ref('export.kubevirt.io/v1', 'VirtualMachineExport', 'exp1'), 'Ready', (o) => o.status?.phase === 'Ready');
    assert.equal(exp.status.tokenSecretRef, 'export-token');
    assert.equal(exp.status.virtualMachineName, 'vm1');
    const links = exp.status.links.external;
    const [volume] = links.volumes;
    assert.equal(volume.name, 'vm1-disk');
    const url = (format: string): string => volume.formats.find((f: { format: string }) => f.format === format).url;
    assert.ok(url('raw').startsWith(`${plane.exportUrl}/api/export.kubevirt.io/v1/namespaces/${ns}/virtualmachineexports/exp1/volumes/vm1-disk/`));
    assert.equal(exp.status.links.internal.volumes[0].formats[0].url, `https://virt-export-exp1.${ns}.svc/volumes/vm1-disk/disk.img`);

    const expected = generatedVolumeBytes(pvcKey(ns, 'vm1-disk'), DISK_SIZE);
    const auth = { 'x-kubevirt-export-token': 'sekret-token' };
    const raw = await httpsRequest(url('raw'), { ca: links.cert, headers: auth });
    assert.equal(raw.status, 200);
    assert.ok(raw.body.equals(expected), 'raw bytes are the volume content');
    const gz = await httpsRequest(url('gzip'), { ca: links.cert, headers: auth });
    assert.ok(gunzipSync(gz.body).equals(expected), 'gzip bytes decompress to the volume content');
    const range = await httpsRequest(url('raw'), { ca: links.cert, headers: { ...auth, Range: 'bytes=100-199' } });
    assert.equal(range.status, 206);
    assert.ok(range.body.equals(expected.subarray(100, 200)));
    const byQuery = await httpsRequest(`${url('raw')}?x-kubevirt-export-token=sekret-token`, { ca: links.cert });
    assert.equal(byQuery.status, 200);

    assert.equal((await httpsRequest(url('raw'), { ca: links.cert })).status, 401);
    assert.equal((await httpsRequest(url('raw'), { ca: links.cert, headers: { 'x-kubevirt-export-token': 'wrong' } })).status, 401);

    const manifests = await httpsRequest(links.manifests.find((m: { type: string }) => m.type === 'all').url, {
      ca: links.cert,
      headers: { ...auth, Accept: 'application/yaml' },
    });
    assert.equal(manifests.status, 200);
    assert.match(manifests.body.toString(), /kind: VirtualMachine\n/);
    assert.ok(manifests.body.toString().includes(url('gzip')), 'the DataVolume template points at the gzip URL');
  });

  it('holds a VM export while the VM runs', async () => {
    await createObjects(kc, ns, [exportOf('exp-running', { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'vm1' })]);
    const exp = await waitFor(kc, ref('export.kubevirt.io/v1', 'VirtualMachineExport', 'exp-running'), 'Pending', (o) => o.status?.phase === 'Pending');
    assert.equal(condition(exp, 'Ready')?.reason, 'inUse');
  });

  it('accepts an upload through an UploadTokenRequest and the upload proxy', async () => {
    await createObjects(kc, ns, [
      {
        apiVersion: 'cdi.kubevirt.io/v1beta1',
        kind: 'DataVolume',
        metadata: { name: 'restored' },
        spec: { source: { upload: {} }, storage: { resources: { requests: { storage: '1Gi' } } } },
      } as Obj,
    ]);
    const dvRef = ref('cdi.kubevirt.io/v1beta1', 'DataVolume', 'restored');
    await waitFor(kc, dvRef, 'UploadReady', (o) => o.status?.phase === 'UploadReady');
    const tokenResponse = await apiRequest(kc, 'POST', `/apis/upload.cdi.kubevirt.io/v1beta1/namespaces/${ns}/uploadtokenrequests`, {
      apiVersion: 'upload.cdi.kubevirt.io/v1beta1',
      kind: 'UploadTokenRequest',
      metadata: { name: 'restored', namespace: ns },
      spec: { pvcName: 'restored' },
    });
    assert.equal(tokenResponse.status, 201, tokenResponse.body.toString());
    const token = JSON.parse(tokenResponse.body.toString()).status.token as string;

    const data = Buffer.from('restored disk image '.repeat(1000));
    const ca = await import('node:fs').then((fs) => fs.readFileSync(plane.caFile));
    const sent = await httpsRequest(`${plane.uploadUrl}/v1beta1/upload`, {
      method: 'POST',
      ca,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
      body: gzipSync(data),
    });
    assert.equal(sent.status, 200, sent.body.toString());
    await waitFor(kc, dvRef, 'Succeeded', (o) => o.status?.phase === 'Succeeded');
    const sha256 = createHash('sha256').update(data).digest('hex');
    const [upload] = await uploads(plane, ns);
    assert.equal(upload?.pvc, 'restored');
    assert.equal(upload?.sha256, sha256);
    assert.equal(upload?.size, data.length);
    assert.deepEqual(await volumeDigest(plane, pvcKey(ns, 'restored')), { key: pvcKey(ns, 'restored'), size: data.length, sha256 });

    const denied = await httpsRequest(`${plane.uploadUrl}/v1beta1/upload`, { method: 'POST', ca, headers: { Authorization: 'Bearer nope' }, body: data });
    assert.equal(denied.status, 401);
  });

  it('fails and stalls steps on request', async () => {
    await createObjects(kc, ns, [
      snapshotOf('snap-fail', 'vm1', simAnnotations({ fail: ['snapshot'] })),
      snapshotOf('snap-stall', 'vm1', simAnnotations({ stall: ['snapshot'] })),
      exportOf('exp-stall', { kind: 'PersistentVolumeClaim', name: 'vm1-disk' }, simAnnotations({ stall: ['export'] })),
      { apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', metadata: { name: 'dv-fail', annotations: simAnnotations({ fail: ['import'] }) },
        spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } } } as Obj,
    ]);
    const failed = await waitFor(kc, ref('snapshot.kubevirt.io/v1beta1', 'VirtualMachineSnapshot', 'snap-fail'), 'Failed', (o) => o.status?.phase === 'Failed');
    assert.match(failed.status.error.message, /simulated/);
    const stalled = await waitFor(kc, ref('snapshot.kubevirt.io/v1beta1', 'VirtualMachineSnapshot', 'snap-stall'), 'InProgress', (o) => o.status?.phase === 'InProgress');
    assert.equal(stalled.status.readyToUse, false);
    await waitFor(kc, ref('export.kubevirt.io/v1', 'VirtualMachineExport', 'exp-stall'), 'Pending', (o) => o.status?.phase === 'Pending');
    await waitFor(kc, ref('cdi.kubevirt.io/v1beta1', 'DataVolume', 'dv-fail'), 'Failed', (o) => o.status?.phase === 'Failed');
  });
});

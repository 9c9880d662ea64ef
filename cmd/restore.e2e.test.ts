// End to end on the real control plane: `restore` validates the peer manifests server-side, creates in order,
// re-runs without changes, resolves conflicts, refuses identity collisions, waits, and uploads bundle data.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { objectApi, readObject } from '../scripts/e2e/cluster.ts';
import { E2eSession } from '../scripts/e2e/fixtures.ts';
import { pvcKey, simAnnotations, uploads, volumeDigest } from '../scripts/e2e/simulator.ts';
import { buildGraph } from '../src/graph/index.ts';
import type { KubeObject } from '../src/model/kube-object.ts';
import { ObjectIndex } from '../src/model/object-index.ts';
import { refOf } from '../src/model/object-ref.ts';
import { volumeIndexPath } from '../src/bundle/layout.ts';
import type { VolumeIndex } from '../src/bundle/volume-index.ts';
import { buildTrailer } from '../src/bundle/checksums.ts';
import { writeVolume } from '../src/io/chunks/write-volume.ts';
import { createBundleWriter } from '../src/io/tar/bundle-writer.ts';
import type { RestoreSummary } from '../src/restore/summary.ts';
import { loadPeerManifest, peerManifestFiles } from '../src/testing/peer-manifests.ts';
import { runCli } from '../src/testing/run-cli.ts';
import { kindInfo } from '../src/model/kinds.ts';
import { goodV1alpha1Fixtures } from '../scripts/make-bad-bundles.ts';
import { fileURLToPath } from 'node:url';

const session = new E2eSession('kvbackup-restore-e2e-');
const { work } = session;

async function restore(args: string[], stdin?: Buffer) {
  const result = await runCli(['restore', '--kubeconfig', session.plane.kubeconfig, '-o', 'json', ...args], stdin === undefined ? { offline: false } : { stdin, offline: false });
  const summary = result.stdout.length > 0 ? (JSON.parse(result.stdout.toString('utf8')) as RestoreSummary) : undefined;
  return { ...result, summary };
}

function outcomes(summary: RestoreSummary | undefined): Record<string, string> {
  assert.ok(summary, 'no summary on stdout');
  return Object.fromEntries(summary.objects.map((o) => [`${o.ref.kind}/${o.ref.name}`, o.outcome]));
}

async function read(apiVersion: string, kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
  return (await readObject(session.kc, { apiVersion, kind, metadata: { name, namespace } }).catch(() => undefined)) as KubeObject | undefined;
}

const macVm = (name: string, mac: string, runStrategy = 'Halted'): KubeObject => ({
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachine',
  metadata: { name },
  spec: {
    runStrategy,
    template: {
      spec: {
        domain: {
          firmware: { serial: `SER-${name}`, uuid: '0b5d8c4e-1f2a-4c3b-9d8e-7f6a5b4c3d2e' },
          devices: { disks: [{ name: 'cfg', disk: { bus: 'virtio' } }], interfaces: [{ name: 'default', masquerade: {}, macAddress: mac }] },
          resources: { requests: { memory: '128Mi' } },
        },
        networks: [{ name: 'default', pod: {} }],
        volumes: [{ name: 'cfg', configMap: { name: 'app-config' } }],
      },
    },
  },
});

const basics = (): KubeObject[] => [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { mode: 'restored' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret' }, stringData: { password: 'hunter2' } },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'scratch' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  macVm('vm-a', '02:00:00:aa:bb:01'),
];

describe('restore --dry-run=server over the peer manifests', () => {
  for (const file of peerManifestFiles()) {
    it(`the apiserver accepts the transform output of ${file}, and nothing is persisted`, async () => {
      const namespace = await session.freshNamespace('kvb-dry');
      const objects = loadPeerManifest(file, namespace);
      // Cluster-scoped fixtures (the cluster instancetype and preference) may exist already from another test file.
      const existing = new Set<string>();
      for (const object of objects) {
        if (object.metadata.namespace === undefined && (await read(object.apiVersion, object.kind, '', object.metadata.name))) existing.add(`${object.kind}/${object.metadata.name}`);
      }
      const input = session.writeInput(file.replace(/\.yaml$/, '.json'), objects);
      const { code, stderr, summary } = await restore(['-f', input, '--dry-run=server']);
      assert.equal(code, 0, stderr);
      assert.ok(summary && summary.objects.length > 0);
      assert.equal(summary.dryRun, 'server');
      assert.deepEqual(summary.objects.filter((o) => o.outcome === 'failed'), []);
      for (const result of summary.objects.filter((o) => o.ref.kind !== 'Namespace')) {
        const key = `${result.ref.kind}/${result.ref.name}`;
        assert.equal(result.outcome, existing.has(key) ? 'unchanged' : 'created', key);
        if (existing.has(key)) continue;
        const info = kindInfo(result.ref.group, result.ref.kind);
        assert.ok(info, `${result.ref.kind} is a known kind`);
        const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
        assert.equal(await read(apiVersion, result.ref.kind, result.ref.namespace, result.ref.name), undefined, `${key} was persisted`);
      }
    });
  }

  it('validates objects bound for a namespace that does not exist yet, and creates no namespace', async () => {
    const target = session.unusedNamespace('kvb-dry-new');
    const input = session.writeInput('dry-new.json', loadPeerManifest('vm_with_dv_and_dvtemplate.yaml', 'src'));
    const { code, stderr, summary } = await restore(['-f', input, '--dry-run=server', '--target-namespace', target]);
    assert.equal(code, 0, stderr);
    assert.equal(outcomes(summary)[`Namespace/${target}`], 'created');
    assert.match(stderr, /validated in namespace default/);
    assert.equal(await read('v1', 'Namespace', '', target), undefined);
  });
});

describe('restore onto the cluster', () => {
  it('creates everything in dependency order, and a second identical run changes nothing', async () => {
    const target = session.unusedNamespace('kvb-restore');
    const input = session.writeInput('basics.json', basics());
    const first = await restore(['-f', input, '-n', 'source', '--target-namespace', target]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(outcomes(first.summary), {
      [`Namespace/${target}`]: 'created',
      'ConfigMap/app-config': 'created',
      'Secret/app-secret': 'created',
      'PersistentVolumeClaim/scratch': 'created',
      'VirtualMachine/vm-a': 'created',
    });
    const order = first.stderr.split('\n').filter((line) => line.startsWith('created ')).map((line) => line.split(' ')[1]);
    assert.deepEqual(order, ['Namespace', 'ConfigMap', 'Secret', 'PersistentVolumeClaim', 'VirtualMachine.kubevirt.io']);
    const vm = await read('kubevirt.io/v1', 'VirtualMachine', target, 'vm-a');
    assert.ok(vm);
    const before = vm.metadata.resourceVersion;

    const second = await restore(['-f', input, '-n', 'source', '--target-namespace', target]);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(new Set(Object.values(outcomes(second.summary))), new Set(['unchanged']));
    assert.equal(second.summary?.totals.unchanged, 5);
    assert.equal((await read('kubevirt.io/v1', 'VirtualMachine', target, 'vm-a'))?.metadata.resourceVersion, before);
  });

  it('--on-conflict fail, skip and replace an object that exists and differs', async () => {
    const target = session.unusedNamespace('kvb-conflict');
    const input = session.writeInput('conflict.json', basics());
    const args = ['-f', input, '-n', 'source', '--target-namespace', target];
    assert.equal((await restore(args)).code, 0);
    await objectApi(session.kc).patch(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: target }, data: { mode: 'edited' } },
      undefined, undefined, undefined, undefined, 'application/merge-patch+json' as never,
    );
    const pvc = await read('v1', 'PersistentVolumeClaim', target, 'scratch');
    await objectApi(session.kc).patch(
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'scratch', namespace: target, labels: { edited: 'yes' } } },
      undefined, undefined, undefined, undefined, 'application/merge-patch+json' as never,
    );
    // A label restore does not set is no difference: the claim stays as it is in every mode below.
    const failed = await restore([...args, '--on-conflict', 'fail']);
    assert.equal(failed.code, 3);
    assert.equal(outcomes(failed.summary)['ConfigMap/app-config'], 'failed');
    assert.match(failed.stderr, /ConfigMap .*app-config: already exists and differs/);

    const skipped = await restore([...args, '--on-conflict', 'skip']);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(outcomes(skipped.summary)['ConfigMap/app-config'], 'skipped');
    assert.equal(outcomes(skipped.summary)['PersistentVolumeClaim/scratch'], 'unchanged');
    assert.deepEqual((await read('v1', 'ConfigMap', target, 'app-config'))?.data, { mode: 'edited' });

    const replaced = await restore([...args, '--on-conflict', 'replace']);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(outcomes(replaced.summary)['ConfigMap/app-config'], 'replaced');
    assert.deepEqual((await read('v1', 'ConfigMap', target, 'app-config'))?.data, { mode: 'restored' });
    assert.equal((await read('v1', 'PersistentVolumeClaim', target, 'scratch'))?.metadata.uid, pvc?.metadata.uid);
  });

  it('--on-conflict replace deletes and recreates a PVC whose spec differs', async () => {
    const target = session.unusedNamespace('kvb-replace-pvc');
    const claim = (storage: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', labels: { size: storage } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
    assert.equal((await restore(['-f', session.writeInput('pvc1.json', [claim('1Gi')]), '--target-namespace', target])).code, 0);
    const before = await read('v1', 'PersistentVolumeClaim', target, 'data');
    const replaced = await restore(['-f', session.writeInput('pvc2.json', [claim('2Gi')]), '--target-namespace', target, '--on-conflict', 'replace', '--timeout', '60']);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(outcomes(replaced.summary)['PersistentVolumeClaim/data'], 'replaced');
    const after = await read('v1', 'PersistentVolumeClaim', target, 'data');
    assert.notEqual(after?.metadata.uid, before?.metadata.uid);
    assert.equal((after?.spec as { resources: { requests: { storage: string } } }).resources.requests.storage, '2Gi');
  });
});

describe('restore identity collisions', () => {
  it('refuses a MAC, serial and UUID a live VM uses, listing them, unless --allow-collisions', async () => {
    const existing = session.unusedNamespace('kvb-coll-live');
    const target = session.unusedNamespace('kvb-coll-new');
    const input = session.writeInput('collide.json', [basics()[0], macVm('vm-c', '02:00:00:cc:dd:01')]);
    const keep = ['--mac', 'keep', '--firmware', 'keep'];
    assert.equal((await restore(['-f', input, '--target-namespace', existing, ...keep])).code, 0);

    const refused = await restore(['-f', input, '--target-namespace', target, ...keep]);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /refusing to restore: 3 identities are already in use/);
    assert.match(refused.stderr, new RegExp(`MAC address 02:00:00:cc:dd:01: wanted by VirtualMachine.kubevirt.io ${target}/vm-c, already used by VirtualMachine.kubevirt.io ${existing}/vm-c`));
    assert.match(refused.stderr, /firmware serial SER-vm-c/);
    assert.match(refused.stderr, /firmware UUID 0b5d8c4e-1f2a-4c3b-9d8e-7f6a5b4c3d2e/);
    assert.equal(await read('v1', 'Namespace', '', target), undefined, 'nothing is created before the check');

    const remapped = await restore(['-f', input, '--target-namespace', target]);
    assert.equal(remapped.code, 0, `default remap gives new identities: ${remapped.stderr}`);
    const forced = await restore(['-f', input, '--target-namespace', session.unusedNamespace('kvb-coll-forced'), ...keep, '--allow-collisions']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /warning: MAC address 02:00:00:cc:dd:01/);
  });
});

describe('restore --wait', () => {
  it('waits for PVCs Bound, DataVolumes Succeeded, a running VM Running and a halted one Stopped', async () => {
    const target = session.unusedNamespace('kvb-wait');
    const dv: KubeObject = { apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', metadata: { name: 'blank' }, spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } } };
    const input = session.writeInput('wait.json', [...basics(), dv, macVm('vm-run', '02:00:00:ee:00:01', 'Always')]);
    const { code, stderr } = await restore(['-f', input, '--target-namespace', target, '--wait', '--timeout', '60']);
    assert.equal(code, 0, stderr);
    for (const line of [`ready PersistentVolumeClaim ${target}/scratch`, `ready DataVolume.cdi.kubevirt.io ${target}/blank`, `ready VirtualMachine.kubevirt.io ${target}/vm-run`, `ready VirtualMachine.kubevirt.io ${target}/vm-a`]) {
      assert.ok(stderr.includes(line), `missing "${line}" in:\n${stderr}`);
    }
    const running = await read('kubevirt.io/v1', 'VirtualMachine', target, 'vm-run');
    assert.equal((running?.status as { printableStatus?: string }).printableStatus, 'Running');
    const halted = await read('kubevirt.io/v1', 'VirtualMachine', target, 'vm-a');
    assert.equal((halted?.status as { printableStatus?: string }).printableStatus, 'Stopped');
  });

  it('times out naming the DataVolume that stalls, and exits 3', async () => {
    const target = session.unusedNamespace('kvb-wait-stall');
    const dv: KubeObject = {
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      metadata: { name: 'slow', annotations: simAnnotations({ stall: ['import'] }) },
      spec: { source: { http: { url: 'http://example.invalid/disk.img' } }, storage: { resources: { requests: { storage: '1Gi' } } } },
    };
    const { code, stderr } = await restore(['-f', session.writeInput('stall.json', [dv]), '--target-namespace', target, '--wait', '--timeout', '4']);
    assert.equal(code, 3);
    assert.match(stderr, new RegExp(`${target}/slow: phase ImportInProgress 42.0%`));
  });
});

describe('restore of volume data from a bundle', () => {
  it('creates an upload DataVolume, streams the exact bytes rebuilt from chunks through the upload proxy, and a re-run uploads nothing', async () => {
    const source = 'kvb-src-data';
    const target = session.unusedNamespace('kvb-upload');
    const dv = dataVolume('vm-disk', source);
    const bundle = await writeBundle([dv], source, 'vm', [{ volume: 'vm-disk', bytes: disk }]);
    const first = await restore(['-f', '-', '--target-namespace', target, '--timeout', '60'], bundle);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.summary?.volumes.map((v) => [v.name, v.outcome, v.bytes]), [['vm-disk', 'uploaded', disk.length]]);
    assert.match(first.stderr, /chunks waiting for their index took at most .* in a temporary directory \(removed\)/);
    const received = await uploads(session.plane, target);
    assert.equal(received.length, 1);
    assert.equal(received[0]?.receivedSha256, sha256(disk));
    const stored = await volumeDigest(session.plane, pvcKey(target, 'vm-disk'));
    assert.deepEqual([stored.size, stored.sha256], [disk.length, sha256(disk)]);
    const restored = await read('cdi.kubevirt.io/v1beta1', 'DataVolume', target, 'vm-disk');
    assert.deepEqual((restored?.spec as { source: unknown }).source, { upload: {} });
    assert.equal(restored?.metadata.annotations?.['cdi.kubevirt.io/storage.prePopulated'], undefined);

    const second = await restore(['-f', '-', '--target-namespace', target, '--timeout', '60'], bundle);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.summary?.volumes[0]?.outcome, 'unchanged');
    assert.equal((await uploads(session.plane, target)).length, 1);
  });

  it('reads chunks back from a bundle file in place, spooling nothing', async () => {
    const source = 'kvb-src-file';
    const target = session.unusedNamespace('kvb-upload-file');
    const file = join(work, 'with-data.kvb');
    writeFileSync(file, await writeBundle([dataVolume('vm-disk', source)], source, 'vm', [{ volume: 'vm-disk', bytes: disk }]));
    const result = await restore(['-f', file, '--target-namespace', target, '--timeout', '60']);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /temporary directory/);
    assert.equal((await volumeDigest(session.plane, pvcKey(target, 'vm-disk'))).sha256, sha256(disk));
  });

  for (const input of ['pipe', 'file'] as const) {
    it(`refuses a corrupt chunk before any of its bytes reach the upload proxy (${input}), reporting that volume failed, exit 1`, async () => {
      const source = 'kvb-src-corrupt';
      const target = session.unusedNamespace(`kvb-corrupt-${input}`);
      const good = Buffer.alloc(1024 * 1024, 0x61);
      const bundle = corruptSecondChunk(await writeBundle([dataVolume('bad-disk', source)], source, 'vm', [{ volume: 'bad-disk', bytes: Buffer.concat([good, Buffer.alloc(1024 * 1024, 0x62)]) }]));
      const file = join(work, `corrupt-${input}.kvb`);
      writeFileSync(file, bundle);
      const result = input === 'pipe' ? await restore(['-f', '-', '--target-namespace', target, '--timeout', '60'], bundle) : await restore(['-f', file, '--target-namespace', target, '--timeout', '60']);
      assert.equal(result.code, 1, result.stderr);
      const volume = result.summary?.volumes.find((v) => v.name === 'bad-disk');
      assert.equal(volume?.outcome, 'failed');
      assert.match(volume?.message ?? '', /bundle entry chunks\/sha256\/[0-9a-f]{64}: content sha256 is [0-9a-f]{64}, not the digest its name says \(corrupt chunk\)/);
      assert.deepEqual(await uploads(session.plane, target), [], 'the upload proxy recorded no upload of that volume');
      const restored = await read('cdi.kubevirt.io/v1beta1', 'DataVolume', target, 'bad-disk');
      assert.notEqual((restored?.status as { phase?: string } | undefined)?.phase, 'Succeeded');
    });
  }
  for (const file of ['minimal.tar', 'with-export.tar.gz', 'transformed.tar']) {
    it(`still restores the v1alpha1 testdata bundle ${file}${file === 'with-export.tar.gz' ? ', uploading its data file as it is' : ''}`, async () => {
      const path = fileURLToPath(new URL(`../testdata/bundles/good/${file}`, import.meta.url));
      // transformed.tar was transformed for ns1 already: it is restored there as it is.
      const target = file === 'transformed.tar' ? 'ns1' : session.unusedNamespace('kvb-v1alpha1');
      if (file === 'transformed.tar') session.deleteAfterwards(target);
      const args = file === 'transformed.tar' ? [] : ['--target-namespace', target, '--seed', target];
      const result = await restore(['-f', path, ...args, '--timeout', '60']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(outcomes(result.summary)['ConfigMap/cm1'], 'created');
      assert.ok(await read('kubevirt.io/v1', 'VirtualMachine', target, 'vm1'), 'the VM is there');
      if (file === 'with-export.tar.gz') {
        const bytes = goodV1alpha1Fixtures()[1]?.data[0]?.bytes ?? Buffer.alloc(0);
        assert.deepEqual(result.summary?.volumes.map((v) => [v.name, v.outcome, v.bytes]), [['disk1', 'uploaded', bytes.length]]);
        assert.equal((await uploads(session.plane, target))[0]?.receivedSha256, sha256(bytes));
      }
    });
  }

  it('--data-source none restores the DataVolume as prePopulated and uploads nothing', async () => {
    const target = session.unusedNamespace('kvb-upload-none');
    const dv: KubeObject = {
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      metadata: { name: 'vm-disk', namespace: 'kvb-src-data' },
      spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } },
      status: { phase: 'Succeeded' },
    };
    const bundle = await writeBundle([dv], 'kvb-src-data', 'vm', [{ volume: 'vm-disk', bytes: Buffer.from('raw bytes') }]);
    const { code, stderr } = await restore(['-f', '-', '--target-namespace', target, '--data-source', 'none'], bundle);
    assert.equal(code, 0, stderr);
    const restored = await read('cdi.kubevirt.io/v1beta1', 'DataVolume', target, 'vm-disk');
    assert.equal(restored?.metadata.annotations?.['cdi.kubevirt.io/storage.prePopulated'], 'vm-disk');
    assert.deepEqual(await uploads(session.plane, target), []);
  });
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** 4 MiB and a bit: 1 MiB of data, 2 MiB of zeros (a zero extent), the same 1 MiB again (deduplicated), a short tail. */
const disk = (() => {
  const mib = Buffer.concat(Array.from({ length: 32768 }, (_, i) => createHash('sha256').update(String(i)).digest()));
  return Buffer.concat([mib, Buffer.alloc(2 * 1024 * 1024), mib, Buffer.from('tail')]);
})();

function dataVolume(name: string, namespace: string): KubeObject {
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: { name, namespace },
    spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } },
    status: { phase: 'Succeeded' },
  };
}

/**
 * The bundle with its second chunk entry's stored bytes swapped for a zstd frame of other content of the same
 * length, its index updated to match those stored bytes: only the content check finds it (the stored digest agrees).
 */
function corruptSecondChunk(bundle: Buffer): Buffer {
  const entries = tarEntries(bundle);
  const chunks = entries.filter((entry) => entry.name.startsWith('chunks/'));
  const victim = chunks[1];
  assert.ok(victim, 'a second chunk to corrupt');
  const impostor = zstdCompressSync(Buffer.alloc(1024 * 1024, 0x63));
  const digest = victim.name.slice('chunks/sha256/'.length);
  const rewritten = entries.map((entry) => {
    if (entry === victim) return { ...entry, body: impostor };
    if (!entry.name.startsWith('volumes/')) return entry;
    const index = JSON.parse(zstdDecompressSync(entry.body).toString('utf8')) as VolumeIndex;
    const extents = index.extents.map((extent) => ('zero' in extent || extent.sha256 !== digest ? extent : { ...extent, stored: { size: impostor.length, sha256: sha256(impostor), compression: 'zstd' as const } }));
    return { ...entry, body: zstdCompressSync(Buffer.from(`${JSON.stringify({ ...index, extents })}\n`)) };
  });
  // The trailer as the writer would have written it for these entries: only the chunk's content is wrong.
  const listed = rewritten.filter((entry) => !entry.name.startsWith('chunks/') && entry.name !== 'trailer.json').map((entry) => ({ path: entry.name, size: entry.body.length, sha256: sha256(entry.body) }));
  const stored = rewritten.filter((entry) => entry.name.startsWith('chunks/')).reduce((sum, entry) => sum + entry.body.length, 0);
  const trailer = buildTrailer(listed, { count: chunks.length, storedBytes: stored });
  return tarOf(rewritten.map((entry) => (entry.name === 'trailer.json' ? { ...entry, body: Buffer.from(`${JSON.stringify(trailer)}\n`) } : entry)));
}

/** The regular-file entries of a tar (the bundles these tests write have nothing else). */
function tarEntries(bytes: Buffer): { name: string; header: Buffer; body: Buffer }[] {
  const entries: { name: string; header: Buffer; body: Buffer }[] = [];
  for (let at = 0; at + 512 <= bytes.length; ) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const size = Number.parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    entries.push({ name: prefix ? `${prefix}/${name}` : name, header: Buffer.from(header), body: Buffer.from(bytes.subarray(at + 512, at + 512 + size)) });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** A tar of `entries` with their headers' size and checksum fixed up. */
function tarOf(entries: { header: Buffer; body: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const { header, body } of entries) {
    const block = Buffer.from(header);
    block.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of block) sum += byte;
    block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    parts.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A v1alpha2 bundle of `objects` with one export record whose volumes carry `data` (stored as chunks, as export writes them). */
async function writeBundle(objects: KubeObject[], namespace: string, vmName: string, data: { volume: string; bytes: Buffer }[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => out.on('end', resolve));
  const writer = createBundleWriter(out);
  const items = data.map(({ volume, bytes }) => ({ volume, format: 'raw' as const, path: volumeIndexPath(namespace, volume), bytes }));
  await writer.writeHeader({
    format: 'kubectl-kvbackup',
    formatVersion: 'v1alpha2',
    toolVersion: 'e2e',
    createdAt: '2025-01-01T00:00:00Z',
    selection: { namespaces: [namespace] },
    contents: { objects: objects.length, exports: 1, data: items.length },
  });
  await writer.writeGraph(buildGraph(ObjectIndex.of(objects)));
  for (const object of [...objects].sort((a, b) => (refOf(a).name < refOf(b).name ? -1 : 1))) await writer.writeObject(refOf(object), object);
  await writer.writeExport({
    namespace,
    vmName,
    exportName: `${vmName}-export`,
    phase: 'Ready',
    links: {},
    data: items.map(({ volume, format, path }) => ({ volume, format, path })),
  });
  for (const item of items) await writeVolume(writer, { namespace, volume: item.volume }, [item.bytes]);
  await writer.finish();
  await ended;
  return Buffer.concat(chunks);
}

// End-to-end: a filesystem claim (not a KubeVirt disk) goes through `export --with-data` as KubeVirt's archive and
// comes back through CDI's archive upload with the same files, beside a disk that comes back byte-identical.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { dataPath } from '../src/bundle/index.ts';
import type { KubeObject } from '../src/model/kube-object.ts';
import { connect as connectClient } from '../src/io/cluster/client.ts';
import { runCli } from '../src/testing/run-cli.ts';
import { createObjects, eventually } from '../scripts/e2e/cluster.ts';
import { E2eSession } from '../scripts/e2e/fixtures.ts';
import { fileDigests, pvcKey, served, simAnnotations, simFiles, uploads, volumeDigest } from '../scripts/e2e/simulator.ts';
import { goodV1alpha1Fixtures, writeFixture } from '../scripts/make-bad-bundles.ts';

const session = new E2eSession('kvb-restore-archive-e2e-');
const work = session.work;
/** What the filesystem claim holds: text, an empty file, a nested directory, a name with a space. */
const FILES: Record<string, string> = {
  'hello.txt': 'hello from a filesystem volume\n',
  'empty': '',
  'etc/app/config.yaml': 'replicas: 3\nname: "a = b"\n',
  'data/notes with space.md': '# notes\n'.repeat(500),
};
const DISK_SIZE = 3 * 1024 * 1024 + 4321;

const target = (resource: string, group: string, version: string, namespace: string, name?: string) =>
  ({ group, version, resource, namespace, ...(name === undefined ? {} : { name }) }) as const;

/** A claim without CDI's annotation and without a DataVolume: KubeVirt exports it as an archive of its files. */
const filesystemClaim: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'vmf-files', annotations: simFiles(FILES) },
  spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', resources: { requests: { storage: '1Gi' } } },
};

/** A halted VM booting from a DataVolume disk and sharing the filesystem claim over virtiofs. */
const vm: KubeObject = {
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachine',
  metadata: { name: 'vmf' },
  spec: {
    runStrategy: 'Halted',
    dataVolumeTemplates: [{ metadata: { name: 'vmf-disk', annotations: simAnnotations({ diskSize: DISK_SIZE }) }, spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } } }],
    template: {
      spec: {
        domain: { devices: { disks: [{ name: 'root', disk: {} }], filesystems: [{ name: 'shared', virtiofs: {} }] }, resources: { requests: { memory: '64Mi' } } },
        volumes: [
          { name: 'root', dataVolume: { name: 'vmf-disk' } },
          { name: 'shared', persistentVolumeClaim: { claimName: 'vmf-files' } },
        ],
      },
    },
  },
} as unknown as KubeObject;

/** The tool's own client, for reads that may find nothing and deletes by resource. */
const client = () => connectClient({ kubeconfig: session.plane.kubeconfig });

async function get(group: string, version: string, resource: string, namespace: string, name: string): Promise<KubeObject | undefined> {
  return client().callOptional<KubeObject>({ target: { verb: 'get', ...target(resource, group, version, namespace, name) } });
}

describe('export --with-data and restore of a filesystem claim', () => {
  it('carries the claim as an archive and restores it through CDI archive upload: the same files come back, the disk byte-identical', async () => {
    const ns = await session.freshNamespace('fs-archive');
    await createObjects(session.kc, ns, [filesystemClaim, vm]);
    await eventually('the disk DataVolume Succeeded and the claim Bound', async () => {
      const dv = await get('cdi.kubevirt.io', 'v1beta1', 'datavolumes', ns, 'vmf-disk');
      const pvc = await get('', 'v1', 'persistentvolumeclaims', ns, 'vmf-files');
      return (dv?.status as { phase?: string } | undefined)?.phase === 'Succeeded' && (pvc?.status as { phase?: string } | undefined)?.phase === 'Bound' ? true : undefined;
    });
    const original = await volumeDigest(session.plane, pvcKey(ns, 'vmf-files'));
    assert.deepEqual(original.files, fileDigests(FILES), 'the simulator holds the annotated files');
    const disk = await volumeDigest(session.plane, pvcKey(ns, 'vmf-disk'));
    assert.equal(disk.size, DISK_SIZE);
    assert.equal(disk.files, undefined, 'a DataVolume disk is a disk image, not files');

    const output = join(work, 'fs.kvb');
    const exported = await runCli(['export', 'vmf', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '--snapshot', '--export', '--with-data', '--output-file', output, '-v=1'], { offline: false });
    assert.equal(exported.code, 0, exported.stderr);
    const files = (await served(session.plane, ns)).filter((s) => s.volume === 'vmf-files').map((s) => s.file);
    assert.deepEqual([...new Set(files)], ['disk.tar.gz'], 'KubeVirt offers the claim only as an archive');
    const inspected = await runCli(['inspect', output, '-o', 'json']);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.match(inspected.stdout.toString(), /"archive"/, 'the bundle says the volume is an archive');
    const validated = await runCli(['validate', output]);
    assert.equal(validated.code, 0, validated.stderr + validated.stdout.toString());

    // Delete what was exported, so the restore has to bring it back.
    for (const [group, version, resource, name] of [['kubevirt.io', 'v1', 'virtualmachines', 'vmf'], ['', 'v1', 'persistentvolumeclaims', 'vmf-files']] as const) {
      await client().call({ target: { verb: 'delete', ...target(resource, group, version, ns, name) } });
    }
    await eventually('the VM, its DataVolume and both claims are gone', async () => {
      const left = await Promise.all([
        get('kubevirt.io', 'v1', 'virtualmachines', ns, 'vmf'),
        get('cdi.kubevirt.io', 'v1beta1', 'datavolumes', ns, 'vmf-disk'),
        get('', 'v1', 'persistentvolumeclaims', ns, 'vmf-disk'),
        get('', 'v1', 'persistentvolumeclaims', ns, 'vmf-files'),
      ]);
      return left.every((object) => object === undefined) ? true : undefined;
    }, 60_000);

    const restored = await runCli(['restore', '-f', output, '--kubeconfig', session.plane.kubeconfig, '--wait', '--timeout', '120'], { offline: false });
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stderr, /uploading \d+ bytes \(archive, unpacked by CDI into the claim\) into .*\/vmf-files/);

    const dv = await get('cdi.kubevirt.io', 'v1beta1', 'datavolumes', ns, 'vmf-files');
    assert.equal((dv?.spec as { contentType?: string } | undefined)?.contentType, 'archive', 'the claim comes back through an archive DataVolume');
    const claim = await get('', 'v1', 'persistentvolumeclaims', ns, 'vmf-files');
    assert.equal(claim?.metadata.annotations?.['cdi.kubevirt.io/storage.contentType'], 'archive');

    const [upload] = (await uploads(session.plane, ns)).filter((u) => u.pvc === 'vmf-files');
    assert.equal(upload?.contentType, 'archive');
    assert.equal(upload?.path, '/v1beta1/upload-archive', 'the proxy handed the upload to the archive handler');
    assert.deepEqual(upload?.files, fileDigests(FILES), 'the tar unpacked to the same files');
    const back = await volumeDigest(session.plane, pvcKey(ns, 'vmf-files'));
    assert.deepEqual(back.files, fileDigests(FILES), 'the restored claim holds the same files with the same digests');
    assert.equal(back.sha256, original.sha256, 'and the same tree, byte for byte');

    const [diskUpload] = (await uploads(session.plane, ns)).filter((u) => u.pvc === 'vmf-disk');
    assert.equal(diskUpload?.contentType, 'kubevirt');
    const diskBack = await volumeDigest(session.plane, pvcKey(ns, 'vmf-disk'));
    assert.deepEqual([diskBack.size, diskBack.sha256], [disk.size, disk.sha256], 'the disk is restored byte-identical');
  });
});

/** `files` as `tar c .` in a claim writes them: "./" and its directories first, then the files. */
async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  const collected = (async () => {
    const parts: Buffer[] = [];
    for await (const part of pack as unknown as AsyncIterable<Buffer>) parts.push(part);
    return Buffer.concat(parts);
  })();
  const add = (header: Partial<tar.Header> & { name: string }, body?: string) => new Promise<void>((resolve, reject) => pack.entry(header, body ?? '', (error) => (error ? reject(error) : resolve())));
  const dirs = new Set(Object.keys(files).flatMap((path) => path.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  await add({ name: './', type: 'directory', mode: 0o755, mtime: new Date(0) });
  for (const dir of [...dirs].sort()) await add({ name: `./${dir}/`, type: 'directory', mode: 0o755, mtime: new Date(0) });
  for (const [path, content] of Object.entries(files).sort()) await add({ name: `./${path}`, type: 'file', mode: 0o644, mtime: new Date(0) }, content);
  pack.finalize();
  return collected;
}

describe('restore of a v1alpha1 bundle carrying a disk.tar.gz', () => {
  it('uploads the tar.gz as an archive, which CDI inflates and unpacks into the claim', async () => {
    const [, fixture] = goodV1alpha1Fixtures();
    if (!fixture) throw new Error('the v1alpha1 fixture with data is missing');
    const archive = gzipSync(await tarOf(FILES));
    const [record] = fixture.exports;
    if (!record) throw new Error('the fixture has no export record');
    const path = dataPath('ns1', 'disk1', 'tar.gz');
    const bundle = join(work, 'v1alpha1-archive.tar.gz');
    writeFileSync(bundle, await writeFixture({ ...fixture, exports: [{ ...record, data: [{ volume: 'disk1', format: 'tar.gz', path, size: archive.byteLength }] }], data: [{ path, bytes: archive }] }));
    const ns = session.unusedNamespace('fs-v1alpha1');
    const result = await runCli(['restore', '-f', bundle, '--kubeconfig', session.plane.kubeconfig, '--target-namespace', ns, '--seed', ns, '--timeout', '60'], { offline: false });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /uploading \d+ bytes \(tar\.gz, unpacked by CDI into the claim\) into .*\/disk1/);
    const [upload] = await uploads(session.plane, ns);
    assert.deepEqual([upload?.contentType, upload?.receivedBytes], ['archive', archive.byteLength], 'the tar.gz went to the proxy as it is');
    assert.deepEqual(upload?.files, fileDigests(FILES));
    assert.deepEqual((await volumeDigest(session.plane, pvcKey(ns, 'disk1'))).files, fileDigests(FILES));
  });
});

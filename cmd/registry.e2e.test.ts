// End to end against a real registry (the CNCF distribution registry of scripts/registry.sh, TLS and a login):
// push, pull byte for byte, inspect/validate/transform/restore from oci://, dedup on a second push, a tampered blob
// refused, and skopeo copying the artifact to another repository.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { connect, createNamespace, deleteNamespace, kubeConfig, type ControlPlane } from '../scripts/e2e/cluster.ts';
import { blobDataPath, testRegistry, type TestRegistry } from '../scripts/e2e/registry.ts';
import { pvcKey, uploads, volumeDigest } from '../scripts/e2e/simulator.ts';
import type { RestoreSummary } from '../src/restore/summary.ts';
import { blankDataVolume, writeDataBundle } from '../src/testing/data-bundle.ts';
import { runCli } from '../src/testing/run-cli.ts';
import { makeTempDir } from '../src/testing/temp-dir.ts';

const run = promisify(execFile);
let registry: TestRegistry;
let work: string;
let runId: string;

before(() => {
  registry = testRegistry();
  work = makeTempDir('kvb-registry-e2e-');
  runId = createHash('sha256').update(`${process.pid}-${Date.now()}`).digest('hex').slice(0, 8);
});

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** `n` MiB that zstd cannot shrink, different for each `seed`, one MiB (one chunk) at a time. */
function randomMiBs(seed: string, n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.concat(Array.from({ length: MiB / 32 }, (_, j) => createHash('sha256').update(`${seed}/${i}/${j}`).digest())));
}


/** A bundle with one DataVolume whose disk is `disk`. */
async function bundleFile(name: string, namespace: string, disk: Buffer): Promise<{ file: string; bytes: Buffer }> {
  const bytes = await writeDataBundle([blankDataVolume('vm-disk', namespace)], namespace, 'vm', [{ volume: 'vm-disk', bytes: disk }]);
  const file = join(work, name);
  writeFileSync(file, bytes);
  return { file, bytes };
}

const location = (repository: string, tag: string) => `oci://${registry.host}/kvb-e2e-${runId}/${repository}:${tag}`;

interface PushJson {
  reference: string;
  digest: string;
  blobs: { count: number; bytes: number; uploaded: number; skipped: number };
  sent: { bytes: number };
  tar: { sha256: string; size: number; identical: boolean };
}

async function push(file: string, destination: string, extra: string[] = []): Promise<PushJson> {
  const result = await runCli(['push', file, destination, '-o', 'json', ...registry.flags, ...extra]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.toString('utf8')) as PushJson;
}

async function pull(source: string, extra: string[] = registry.flags): Promise<Buffer> {
  const result = await runCli(['pull', source, ...extra]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

describe('bundles in an OCI registry', () => {
  let disk: Buffer;
  let original: { file: string; bytes: Buffer };
  let pushed: PushJson;

  before(async () => {
    // 10 MiB of data, 2 MiB of zeros, a short tail: 11 chunks stored.
    disk = Buffer.concat([...randomMiBs('first', 10), Buffer.alloc(2 * MiB), Buffer.from('tail')]);
    original = await bundleFile('original.kvb', 'kvb-src-oci', disk);
    pushed = await push(original.file, location('bundle', 'v1'));
  });

  it('pushes every entry as a blob, tags the index last, and pulls back the exact bytes', async () => {
    assert.match(pushed.reference, new RegExp(`^${location('bundle', 'v1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@sha256:[0-9a-f]{64}$`));
    assert.deepEqual(pushed.tar, { sha256: sha256(original.bytes), size: original.bytes.length, identical: true });
    assert.equal(pushed.blobs.uploaded, pushed.blobs.count);
    const pulled = await pull(location('bundle', 'v1'));
    assert.equal(sha256(pulled), sha256(original.bytes));
    assert.equal(sha256(await pull(pushed.reference.replace(/:v1@/, '@'))), sha256(original.bytes), 'by digest too');
  });

  it('inspects, validates and transforms straight from the registry, and transform writes back to it', async () => {
    const inspected = await runCli(['inspect', location('bundle', 'v1'), '-o', 'json', ...registry.flags]);
    assert.equal(inspected.code, 0, inspected.stderr);
    const volumes = (JSON.parse(inspected.stdout.toString('utf8')) as { volumes?: { size?: number; logical?: number }[] }).volumes;
    assert.ok(volumes && volumes.length === 1, inspected.stdout.toString('utf8'));
    // The fixture's DataVolume lacks its PVC: validate finds exactly what it finds in the file, no more.
    const validated = await runCli(['validate', location('bundle', 'v1'), '-o', 'json', ...registry.flags]);
    const local = await runCli(['validate', original.file, '-o', 'json']);
    assert.equal(validated.code, local.code, validated.stderr);
    assert.deepEqual(JSON.parse(validated.stdout.toString('utf8')), JSON.parse(local.stdout.toString('utf8')));
    assert.deepEqual((JSON.parse(local.stdout.toString('utf8')) as { problems: { code: string }[] }).problems.map((p) => p.code), ['graph-incomplete']);
    const moved = await runCli(['transform', '-f', location('bundle', 'v1'), '--target-namespace', 'elsewhere', '--seed', 'e2e', '--output-file', location('bundle', 'moved'), ...registry.flags]);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stderr, new RegExp(`pushed ${location('bundle', 'moved').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@sha256:`));
    const toFile = await runCli(['transform', '-f', location('bundle', 'v1'), '--target-namespace', 'elsewhere', '--seed', 'e2e', ...registry.flags]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(sha256(await pull(location('bundle', 'moved'))), sha256(toFile.stdout), 'the same transform to a registry and to a file gives the same bundle');
  });

  it('a second push of a bundle whose chunks are 90 % in the registry uploads at most 15 % of its bytes', async () => {
    // The same first 9 MiB, one new MiB: 10 data chunks, 9 already there.
    const changed = Buffer.concat([...randomMiBs('first', 9), ...randomMiBs('second', 1), Buffer.alloc(2 * MiB), Buffer.from('tail')]);
    const next = await bundleFile('next.kvb', 'kvb-src-oci', changed);
    const second = await push(next.file, location('bundle', 'v2'));
    assert.ok(second.sent.bytes <= 0.15 * next.bytes.length, `sent ${second.sent.bytes} of ${next.bytes.length} bytes`);
    assert.ok(second.sent.bytes >= MiB, `the new chunk was sent (${second.sent.bytes} bytes)`);
    assert.ok(second.blobs.skipped >= 10, `${second.blobs.skipped} blobs skipped`);
    assert.equal(sha256(await pull(location('bundle', 'v2'))), sha256(next.bytes));
  });

  it('refuses a blob the registry serves altered, with one line naming it, and writes no file', async () => {
    const tampered = await bundleFile('tampered.kvb', 'kvb-src-tamper', Buffer.concat(randomMiBs(`tamper-${runId}`, 2)));
    const result = await push(tampered.file, location('tampered', 'v1'));
    const chunkBlob = (await pullManifestDigests(location('tampered', 'v1')))[0] as string;
    const path = blobDataPath(registry, chunkBlob);
    const bytes = readFileSync(path);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    writeFileSync(path, bytes);
    const output = join(work, 'tampered-out.kvb');
    const pulled = await runCli(['pull', location('tampered', 'v1'), '--output-file', output, ...registry.flags]);
    assert.equal(pulled.code, 1);
    assert.equal(pulled.stderr.trim().split('\n').length, 1, pulled.stderr);
    assert.match(pulled.stderr, new RegExp(`^error: oci://${registry.host.replace(/\./g, '\\.')}/kvb-e2e-${runId}/tampered: blob ${chunkBlob}: the registry sent bytes with digest sha256:[0-9a-f]{64} \\(tampered or corrupt\\)\\n$`));
    assert.throws(() => readFileSync(output), /ENOENT/);
    const inspected = await runCli(['inspect', location('tampered', 'v1'), ...registry.flags]);
    assert.equal(inspected.code, 1);
    assert.match(inspected.stderr, /\(tampered or corrupt\)\n$/);
    assert.ok(result.blobs.count > 2);
  });

  it('asks for the login: no credentials is exit 3 with one line, a wrong CA names --registry-ca-file', async () => {
    const emptyAuth = join(work, 'empty-auth.json');
    writeFileSync(emptyAuth, '{"auths":{}}');
    const anonymous = await runCli(['inspect', location('bundle', 'v1'), '--registry-ca-file', registry.caFile, '--registry-auth-file', emptyAuth]);
    assert.equal(anonymous.code, 3);
    assert.match(anonymous.stderr, /^error: oci:\/\/.*: the registry asks for a login and none is stored for 127\.0\.0\.1:\d+ \(looked in .*empty-auth\.json\)\n$/);
    const wrongPassword = join(work, 'wrong-auth.json');
    writeFileSync(wrongPassword, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.user}:wrong`).toString('base64') } } }));
    const refused = await runCli(['inspect', location('bundle', 'v1'), '--registry-ca-file', registry.caFile, '--registry-auth-file', wrongPassword]);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /401 Unauthorized.*log in/);
    assert.ok(!refused.stderr.includes('wrong'), 'no credentials in messages');
    const untrusted = await runCli(['inspect', location('bundle', 'v1'), '--registry-auth-file', registry.authFile]);
    assert.equal(untrusted.code, 3);
    assert.match(untrusted.stderr, /trust its CA with --registry-ca-file/);
    const skipped = await runCli(['inspect', location('bundle', 'v1'), '--registry-insecure-skip-tls-verify', '--registry-auth-file', registry.authFile]);
    assert.equal(skipped.code, 0, skipped.stderr);
    // The auth file is found where podman keeps it, with no flag.
    const viaEnv = await runCli(['inspect', location('bundle', 'v1'), '--registry-ca-file', registry.caFile], { env: { REGISTRY_AUTH_FILE: registry.authFile } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
  });

  it('-v=6 shows each request with its status, and no secret', async () => {
    const result = await runCli(['inspect', location('bundle', 'v1'), '-v=6', ...registry.flags]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /GET https:\/\/127\.0\.0\.1:\d+\/v2\/kvb-e2e-[0-9a-f]+\/bundle\/manifests\/v1 200 in \d+ ms/);
    assert.ok(!result.stderr.includes(registry.password) && !result.stderr.toLowerCase().includes('authorization'));
  });

  it('skopeo copies the artifact to another repository, and kvbackup pulls the copy back byte for byte', async () => {
    const certs = join(work, 'certs');
    mkdirSync(certs, { recursive: true });
    copyFileSync(registry.caFile, join(certs, 'ca.crt'));
    const creds = `${registry.user}:${registry.password}`;
    const from = location('bundle', 'v1').replace(/^oci:/, 'docker:');
    const to = location('copied', 'v1').replace(/^oci:/, 'docker:');
    await run('skopeo', ['copy', '--all', '--preserve-digests', '--src-cert-dir', certs, '--dest-cert-dir', certs, '--src-creds', creds, '--dest-creds', creds, from, to], { timeout: 300_000 });
    const copied = await pull(location('copied', 'v1'));
    assert.equal(sha256(copied), sha256(original.bytes));
  });

  describe('restore from oci://', () => {
    let plane: ControlPlane;
    let target: string;
    before(async () => {
      plane = await connect();
      target = await createNamespace(kubeConfig(plane), 'kvb-oci-restore');
    });
    after(async () => {
      await deleteNamespace(kubeConfig(plane), target).catch(() => {});
    });

    it('uploads the exact disk bytes through CDI', async () => {
      const result = await runCli(['restore', '-f', location('bundle', 'v1'), '--target-namespace', target, '--kubeconfig', plane.kubeconfig, '--timeout', '60', '-o', 'json', ...registry.flags], { offline: false });
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout.toString('utf8')) as RestoreSummary;
      assert.deepEqual(summary.volumes.map((v) => [v.name, v.outcome, v.bytes]), [['vm-disk', 'uploaded', disk.length]]);
      const received = await uploads(plane, target);
      assert.equal(received[0]?.receivedSha256, sha256(disk));
      const stored = await volumeDigest(plane, pvcKey(target, 'vm-disk'));
      assert.deepEqual([stored.size, stored.sha256], [disk.length, sha256(disk)]);
    });
  });
});

/** The blob digests of the chunk layers of a pushed bundle, read with the registry's API through `pull`'s client. */
async function pullManifestDigests(source: string): Promise<string[]> {
  const { RegistryClient } = await import('../src/io/oci/client.ts');
  const { parseOciReference, manifestReference } = await import('../src/io/oci/reference.ts');
  const reference = parseOciReference(source);
  const client = new RegistryClient(reference, { caFile: registry.caFile, authFile: registry.authFile }, 'pull');
  try {
    const index = JSON.parse((await client.getManifest(manifestReference(reference), ['application/vnd.oci.image.index.v1+json'])).bytes.toString('utf8')) as { manifests: { digest: string }[] };
    const chunkManifest = index.manifests[1] as { digest: string };
    const manifest = JSON.parse((await client.getManifest(chunkManifest.digest, ['application/vnd.oci.image.manifest.v1+json'])).bytes.toString('utf8')) as { layers: { digest: string }[] };
    return manifest.layers.map((layer) => layer.digest);
  } finally {
    client.close();
  }
}

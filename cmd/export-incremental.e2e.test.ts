// End-to-end: `export --incremental` through the simulated backup API, `restore` of a chain, `merge`, and the faults.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { KubeObject } from '../src/model/kube-object.ts';
import { Kinds } from '../src/model/kinds.ts';
import type { ClusterClient } from '../src/io/cluster/client.ts';
import { targetOf } from '../src/io/cluster/resource.ts';
import { adminClient, createNamespace, createObjects, eventually, listNames, locateControlPlane, runCli, startCli, type ControlPlane } from '../src/testing/e2e-cluster.ts';
import { makeTempDir } from '../src/testing/temp-dir.ts';
import { connect as connectSimulator, type ControlPlane as SimulatedPlane } from '../scripts/e2e/cluster.ts';
import { backupTransfers, pvcKey, volumeDigest } from '../scripts/e2e/simulator.ts';
import { trackedVm, trackingEnabled, writeDisk } from '../src/testing/backup-fixtures.ts';

const work = makeTempDir('kvb-incremental-e2e-');
const MiB = 1024 * 1024;
/** KVB_E2E_INCREMENTAL_MIB shrinks the disk for a quick run; the target is 256 MiB. */
const DISK = Number(process.env.KVB_E2E_INCREMENTAL_MIB ?? 256) * MiB;
let plane: ControlPlane;
let sim: SimulatedPlane;
let client: ClusterClient;
let counter = 0;

async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++counter}`.slice(0, 63);
  await createNamespace(client, name);
  return name;
}

async function get(group: string, version: string, resource: string, ns: string, name: string): Promise<KubeObject | undefined> {
  return client.callOptional<KubeObject>({ target: { verb: 'get', group, version, resource, namespace: ns, name } });
}

const write = (ns: string, pvc: string, value: string) => writeDisk(client, ns, pvc, value);

/** Volume bytes the backup data endpoints served in `ns` so far. */
async function dataBytes(ns: string): Promise<number> {
  return (await backupTransfers(sim, ns)).reduce((sum, t) => sum + t.dataBytes, 0);
}

function exportArgs(ns: string, output: string, base?: string): string[] {
  return ['export', 'vm1', '-n', ns, '--kubeconfig', plane.kubeconfig, '--incremental', ...(base ? ['--base', base] : []), '--parallel', '4', '--output-file', output, '-v=1'];
}

async function exportOk(ns: string, output: string, base?: string): Promise<string> {
  const result = await runCli(exportArgs(ns, output, base));
  assert.equal(result.code, 0, result.stderr);
  return result.stderr;
}

async function restoreChain(files: string[], target: string): Promise<void> {
  const result = await runCli(['restore', ...files.flatMap((f) => ['-f', f]), '--kubeconfig', plane.kubeconfig, '--target-namespace', target, '--allow-collisions', '--timeout', '120']);
  assert.equal(result.code, 0, result.stderr);
}

async function backupsLeft(ns: string): Promise<string[]> {
  return listNames(client, Kinds.VirtualMachineBackup.group, Kinds.VirtualMachineBackup.kind, ns);
}

async function header(file: string): Promise<{ backup: { type: string; chainPosition: number; base: { digest: string } | null; vms: { checkpoint: string; type: string }[] } }> {
  const result = await runCli(['inspect', file, '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.toString()).header;
}

before(async () => {
  plane = await locateControlPlane();
  sim = await connectSimulator();
  client = adminClient(plane);
});

describe('export --incremental of a 256 MiB disk with 2 × 1 MiB written', () => {
  let ns: string;
  const full = join(work, 'full.kvb');
  const inc1 = join(work, 'inc1.kvb');
  const inc2 = join(work, 'inc2.kvb');

  before(async () => {
    ns = await namespace('inc');
    await createObjects(client, ns, [trackedVm('vm1', DISK)]);
    await trackingEnabled(client, ns, 'vm1');
  });

  it('fetches at most 4 MiB into a bundle of at most 5 MiB, and full + incremental restores the disk exactly', async () => {
    const stderr = await exportOk(ns, full);
    assert.doesNotMatch(stderr, /warning/, 'the first backup is full without a warning: there is no base');
    assert.equal((await header(full)).backup.type, 'Full');
    const tracker = await get('backup.kubevirt.io', 'v1alpha1', 'virtualmachinebackuptrackers', ns, 'kvbackup-vm1');
    assert.equal(tracker?.metadata.labels?.['app.kubernetes.io/managed-by'], 'kubectl-kvbackup', 'the tracker is the tool\'s');
    assert.deepEqual(await backupsLeft(ns), [], 'the backup is removed on success');
    const fullData = await dataBytes(ns);

    await write(ns, 'vm1-disk', `${10 * MiB + 4096}:${MiB},${100 * MiB}:${MiB}`);
    const current = await volumeDigest(sim, pvcKey(ns, 'vm1-disk'));
    const incStderr = await exportOk(ns, inc1, full);
    const moved = (await dataBytes(ns)) - fullData;
    assert.ok(moved <= 4 * MiB, `the incremental moved ${moved} bytes of volume data`);
    assert.match(incStderr, /volume .*\/vm1-disk: Incremental, \d+ bytes; fetched (\d+) bytes/);
    assert.ok(statSync(inc1).size <= 5 * MiB, `the incremental bundle is ${statSync(inc1).size} bytes`);
    const h = await header(inc1);
    const fullHeader = await header(full);
    assert.equal(h.backup.type, 'Incremental');
    assert.equal(h.backup.chainPosition, 1);
    assert.equal(h.backup.vms[0]?.type, 'Incremental');
    const inspected = await runCli(['inspect', full, '-o', 'json']);
    assert.equal(h.backup.base?.digest, JSON.parse(inspected.stdout.toString()).digest, 'the base digest is the full bundle\'s');
    assert.notEqual(h.backup.vms[0]?.checkpoint, fullHeader.backup.vms[0]?.checkpoint);
    const text = await runCli(['inspect', inc1]);
    assert.match(text.stdout.toString(), /Backup: +Incremental, chain position 1, base sha256:[0-9a-f]{64}/);

    const target = `${ns}-r`.slice(0, 63);
    await restoreChain([full, inc1], target);
    const restored = await volumeDigest(sim, pvcKey(target, 'vm1-disk'));
    assert.deepEqual([restored.size, restored.sha256], [current.size, current.sha256]);
  });

  it('merge gives one full bundle that restores the same disk, and the chain continues from it', async () => {
    await write(ns, 'vm1-disk', `${200 * MiB}:${MiB}`);
    await exportOk(ns, inc2, inc1);
    const current = await volumeDigest(sim, pvcKey(ns, 'vm1-disk'));
    const merged = join(work, 'merged.kvb');
    const result = await runCli(['merge', '-f', full, '-f', inc1, '-f', inc2, '--output-file', merged]);
    assert.equal(result.code, 0, result.stderr);
    const h = await header(merged);
    assert.deepEqual([h.backup.type, h.backup.chainPosition, h.backup.base], ['Full', 0, null]);
    const validate = await runCli(['validate', merged]);
    assert.equal(validate.code, 0, validate.stdout.toString() + validate.stderr);
    const target = `${ns}-m`.slice(0, 63);
    await restoreChain([merged], target);
    const restored = await volumeDigest(sim, pvcKey(target, 'vm1-disk'));
    assert.deepEqual([restored.size, restored.sha256], [current.size, current.sha256]);

    const chain = `${ns}-c`.slice(0, 63);
    await restoreChain([full, inc1, inc2], chain);
    assert.equal((await volumeDigest(sim, pvcKey(chain, 'vm1-disk'))).sha256, current.sha256, 'a chain of three restores the latest state');
  });

  it('refuses a broken chain with one line and exit 1: wrong base, missing link, reordered, an incremental alone', async () => {
    const cases: [string, string[], RegExp][] = [
      ['missing link', [full, inc2], /inc2\.kvb does not follow .*full\.kvb/],
      // The merged bundle ends at inc2's checkpoint: refused from the headers (checkpoint order), before any digest.
      ['wrong base (another full bundle of the same VM)', [join(work, 'merged.kvb'), inc1], /inc1\.kvb: VM .* holds the changes since checkpoint .*, but .*merged\.kvb ends at checkpoint/],
      ['reordered', [full, inc2, inc1], /does not follow/],
      ['starts with an incremental', [inc1, inc2], /a chain starts with a full backup/],
      ['an incremental alone', [inc2], /incremental/],
    ];
    for (const [what, files, message] of cases) {
      const result = await runCli(['restore', ...files.flatMap((f) => ['-f', f]), '--kubeconfig', plane.kubeconfig, '--target-namespace', `${ns}-x`.slice(0, 63)]);
      assert.equal(result.code, 1, `${what}: ${result.stderr}`);
      assert.match(result.stderr, message, what);
      assert.equal(result.stderr.trim().split('\n').length, 1, `${what}: one line: ${result.stderr}`);
      const merged = await runCli(['merge', ...files.flatMap((f) => ['-f', f]), '--output-file', join(work, 'never.kvb')]);
      assert.equal(merged.code, 1, `merge, ${what}: ${merged.stderr}`);
    }
    assert.equal((await listNames(client, Kinds.VirtualMachine.group, Kinds.VirtualMachine.kind, `${ns}-x`.slice(0, 63)).catch(() => [])).length, 0, 'nothing restored');
  });

  it('after SIGKILL mid-incremental, the next run deletes the leftovers and makes a full backup that starts a correct chain', async () => {
    await write(ns, 'vm1-disk', `${50 * MiB}:${MiB}`);
    const killedOutput = join(work, 'killed.kvb');
    const run = startCli(exportArgs(ns, killedOutput, inc2));
    await eventually('the backup exists', async () => ((await backupsLeft(ns)).length > 0 ? true : undefined), 60_000);
    run.child.kill('SIGKILL');
    await run.done;
    assert.equal((() => { try { statSync(killedOutput); return true; } catch { return false; } })(), false, 'no bundle under the real name');

    const next = join(work, 'after-kill.kvb');
    const stderr = await exportOk(ns, next, inc2);
    assert.match(stderr, /warning: deleted the backup .* left by an interrupted run/);
    assert.match(stderr, /full backup, not incremental: the tracker moved/);
    assert.equal((await header(next)).backup.type, 'Full');
    await write(ns, 'vm1-disk', `${60 * MiB}:${MiB}`);
    const after = join(work, 'after-kill-inc.kvb');
    await exportOk(ns, after, next);
    assert.equal((await header(after)).backup.type, 'Incremental');
    const current = await volumeDigest(sim, pvcKey(ns, 'vm1-disk'));
    const target = `${ns}-k`.slice(0, 63);
    await restoreChain([next, after], target);
    assert.equal((await volumeDigest(sim, pvcKey(target, 'vm1-disk'))).sha256, current.sha256);
    assert.deepEqual(await backupsLeft(ns), []);
  });

  it('makes a full backup with a warning when the tracker was deleted between backups', async () => {
    const before = join(work, 'before-delete.kvb');
    await exportOk(ns, before);
    await client.call({ target: targetOf('backup.kubevirt.io', 'VirtualMachineBackupTracker', 'delete', ns, 'kvbackup-vm1') });
    await eventually('tracker gone', async () => ((await get('backup.kubevirt.io', 'v1alpha1', 'virtualmachinebackuptrackers', ns, 'kvbackup-vm1')) ? undefined : true));
    const output = join(work, 'after-delete.kvb');
    const stderr = await exportOk(ns, output, before);
    assert.match(stderr, /warning: .*vm1: full backup, not incremental: the tracker has no checkpoint/);
    assert.equal((await header(output)).backup.type, 'Full');
  });
});

describe('export --incremental without changed block tracking', () => {
  it('makes a full snapshot + export with a one-line warning', async () => {
    const ns = await namespace('inc-untracked');
    const vm = trackedVm('vm1', 2 * MiB, {});
    await createObjects(client, ns, [vm]);
    await eventually('VMI running', async () => ((await get('kubevirt.io', 'v1', 'virtualmachineinstances', ns, 'vm1'))?.status as { phase?: string } | undefined)?.phase === 'Running' ? true : undefined);
    const output = join(work, 'untracked.kvb');
    const stderr = await exportOk(ns, output);
    const warnings = stderr.split('\n').filter((line) => line.startsWith('warning: --incremental'));
    assert.equal(warnings.length, 1, stderr);
    assert.match(warnings[0] as string, /changed block tracking is off/);
    const inspected = await runCli(['inspect', output, '-o', 'json']);
    const result = JSON.parse(inspected.stdout.toString());
    assert.equal(result.header.backup, undefined);
    assert.equal(result.volumes[0].sha256, (await volumeDigest(sim, pvcKey(ns, 'vm1-disk'))).sha256);
  });
});

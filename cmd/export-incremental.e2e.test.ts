import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Kinds } from '../src/model/kinds.ts';
import { runCli, startCli } from '../src/testing/run-cli.ts';
import { createObjects, eventually, listNames, objectApi, readObject } from '../scripts/e2e/cluster.ts';
import { E2eSession, vmiRunning, type Obj } from '../scripts/e2e/fixtures.ts';
import { exists, trackedVm, trackingEnabled, writeDisk } from '../scripts/e2e/backup-fixtures.ts';
import { backupTransfers, pvcKey, volumeDigest, type ByteRange } from '../scripts/e2e/simulator.ts';

const session = new E2eSession('kvb-incremental-e2e-');
const { work } = session;
const MiB = 1024 * 1024;
/** KVB_E2E_INCREMENTAL_MIB shrinks the disk for a quick run; the target is 256 MiB. */
const DISK = Number(process.env.KVB_E2E_INCREMENTAL_MIB ?? 256) * MiB;
const cli = (args: readonly string[]) => runCli(args, { offline: false });
const write = (ns: string, claim: string, ranges: ByteRange[]) => writeDisk(session.kc, ns, claim, ranges);
const trackerRef = (ns: string): Obj => ({ apiVersion: 'backup.kubevirt.io/v1alpha1', kind: 'VirtualMachineBackupTracker', metadata: { name: 'kvbackup-vm1', namespace: ns } });

/** Volume bytes the backup data endpoints served in `ns` so far. */
async function dataBytes(ns: string): Promise<number> {
  return (await backupTransfers(session.plane, ns)).reduce((sum, t) => sum + t.dataBytes, 0);
}

function exportArgs(ns: string, output: string, base?: string): string[] {
  return ['export', 'vm1', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '--incremental', ...(base ? ['--base', base] : []), '--parallel', '4', '--output-file', output, '-v=1'];
}

async function exportOk(ns: string, output: string, base?: string): Promise<string> {
  const result = await cli(exportArgs(ns, output, base));
  assert.equal(result.code, 0, result.stderr);
  return result.stderr;
}

async function restoreChain(files: string[], target: string): Promise<void> {
  session.deleteAfterwards(target);
  const result = await cli(['restore', ...files.flatMap((f) => ['-f', f]), '--kubeconfig', session.plane.kubeconfig, '--target-namespace', target, '--allow-collisions', '--timeout', '120']);
  assert.equal(result.code, 0, result.stderr);
}

async function backupsLeft(ns: string): Promise<string[]> {
  return listNames(session.kc, Kinds.VirtualMachineBackup, ns);
}

async function header(file: string): Promise<{ backup: { type: string; chainPosition: number; base: { digest: string } | null; vms: { checkpoint: string; type: string }[] } }> {
  const result = await cli(['inspect', file, '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.toString()).header;
}

describe('export --incremental of a 256 MiB disk with 2 × 1 MiB written', () => {
  let ns: string;
  const full = join(work, 'full.kvb');
  const inc1 = join(work, 'inc1.kvb');
  const inc2 = join(work, 'inc2.kvb');

  it('starts a VM with changed block tracking', async () => {
    ns = await session.freshNamespace('inc');
    await createObjects(session.kc, ns, [trackedVm('vm1', DISK)]);
    await trackingEnabled(session.kc, ns, 'vm1');
  });

  it('fetches at most 4 MiB into a bundle of at most 5 MiB, and full + incremental restores the disk exactly', async () => {
    const stderr = await exportOk(ns, full);
    assert.doesNotMatch(stderr, /warning/, 'the first backup is full without a warning: there is no base');
    assert.equal((await header(full)).backup.type, 'Full');
    const tracker = await readTracker(ns);
    assert.equal(tracker.metadata?.labels?.['app.kubernetes.io/managed-by'], 'kubectl-kvbackup', 'the tracker is the tool\'s');
    assert.deepEqual(await backupsLeft(ns), [], 'the backup is removed on success');
    const fullData = await dataBytes(ns);

    await write(ns, 'vm1-disk', [{ offset: Math.floor(DISK / 25) + 4096, length: MiB }, { offset: Math.floor(DISK / MiB / 2) * MiB, length: MiB }]);
    const current = await volumeDigest(session.plane, pvcKey(ns, 'vm1-disk'));
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
    const inspected = await cli(['inspect', full, '-o', 'json']);
    assert.equal(h.backup.base?.digest, JSON.parse(inspected.stdout.toString()).digest, 'the base digest is the full bundle\'s');
    assert.notEqual(h.backup.vms[0]?.checkpoint, fullHeader.backup.vms[0]?.checkpoint);
    const text = await cli(['inspect', inc1]);
    assert.match(text.stdout.toString(), /Backup: +Incremental, chain position 1, base sha256:[0-9a-f]{64}/);

    const target = `${ns}-r`.slice(0, 63);
    await restoreChain([full, inc1], target);
    const restored = await volumeDigest(session.plane, pvcKey(target, 'vm1-disk'));
    assert.deepEqual([restored.size, restored.sha256], [current.size, current.sha256]);
  });

  it('merge gives one full bundle that restores the same disk, and the chain continues from it', async () => {
    await write(ns, 'vm1-disk', [{ offset: DISK - MiB, length: MiB }]);
    await exportOk(ns, inc2, inc1);
    const current = await volumeDigest(session.plane, pvcKey(ns, 'vm1-disk'));
    const merged = join(work, 'merged.kvb');
    const result = await cli(['merge', '-f', full, '-f', inc1, '-f', inc2, '--output-file', merged]);
    assert.equal(result.code, 0, result.stderr);
    const h = await header(merged);
    assert.deepEqual([h.backup.type, h.backup.chainPosition, h.backup.base], ['Full', 0, null]);
    const validate = await cli(['validate', merged]);
    assert.equal(validate.code, 0, validate.stdout.toString() + validate.stderr);
    const target = `${ns}-m`.slice(0, 63);
    await restoreChain([merged], target);
    const restored = await volumeDigest(session.plane, pvcKey(target, 'vm1-disk'));
    assert.deepEqual([restored.size, restored.sha256], [current.size, current.sha256]);

    const chain = `${ns}-c`.slice(0, 63);
    await restoreChain([full, inc1, inc2], chain);
    assert.equal((await volumeDigest(session.plane, pvcKey(chain, 'vm1-disk'))).sha256, current.sha256, 'a chain of three restores the latest state');
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
      const result = await cli(['restore', ...files.flatMap((f) => ['-f', f]), '--kubeconfig', session.plane.kubeconfig, '--target-namespace', `${ns}-x`.slice(0, 63)]);
      assert.equal(result.code, 1, `${what}: ${result.stderr}`);
      assert.match(result.stderr, message, what);
      assert.equal(result.stderr.trim().split('\n').length, 1, `${what}: one line: ${result.stderr}`);
      const merged = await cli(['merge', ...files.flatMap((f) => ['-f', f]), '--output-file', join(work, 'never.kvb')]);
      assert.equal(merged.code, 1, `merge, ${what}: ${merged.stderr}`);
    }
    assert.equal((await listNames(session.kc, Kinds.VirtualMachine, `${ns}-x`.slice(0, 63)).catch(() => [])).length, 0, 'nothing restored');
    assert.equal(existsSync(join(work, 'never.kvb')), false, 'merge wrote nothing');
  });

  it('after SIGKILL mid-incremental, the next run deletes the leftovers and makes a full backup that starts a correct chain', async () => {
    await write(ns, 'vm1-disk', [{ offset: 3 * MiB, length: MiB }]);
    const killedOutput = join(work, 'killed.kvb');
    const run = startCli(exportArgs(ns, killedOutput, inc2), { offline: false });
    await eventually('the backup exists', async () => ((await backupsLeft(ns)).length > 0 ? true : undefined), 60_000);
    run.child.kill('SIGKILL');
    await run.done;
    assert.equal(existsSync(killedOutput), false, 'no bundle under the real name');

    const next = join(work, 'after-kill.kvb');
    const stderr = await exportOk(ns, next, inc2);
    assert.match(stderr, /warning: deleted the backup .* left by an interrupted run/);
    assert.match(stderr, /full backup, not incremental: the tracker moved/);
    assert.equal((await header(next)).backup.type, 'Full');
    await write(ns, 'vm1-disk', [{ offset: 5 * MiB, length: MiB }]);
    const after = join(work, 'after-kill-inc.kvb');
    await exportOk(ns, after, next);
    assert.equal((await header(after)).backup.type, 'Incremental');
    const current = await volumeDigest(session.plane, pvcKey(ns, 'vm1-disk'));
    const target = `${ns}-k`.slice(0, 63);
    await restoreChain([next, after], target);
    assert.equal((await volumeDigest(session.plane, pvcKey(target, 'vm1-disk'))).sha256, current.sha256);
    assert.deepEqual(await backupsLeft(ns), []);
  });

  it('makes a full backup with a warning when the tracker was deleted between backups', async () => {
    const before = join(work, 'before-delete.kvb');
    await exportOk(ns, before);
    await objectApi(session.kc).delete(trackerRef(ns));
    await eventually('tracker gone', async () => ((await exists(session.kc, trackerRef(ns))) ? undefined : true));
    const output = join(work, 'after-delete.kvb');
    const stderr = await exportOk(ns, output, before);
    assert.match(stderr, /warning: .*vm1: full backup, not incremental: the tracker has no checkpoint/);
    assert.equal((await header(output)).backup.type, 'Full');
  });
});

describe('export --incremental without changed block tracking', () => {
  it('makes a full snapshot + export with a one-line warning', async () => {
    const ns = await session.freshNamespace('inc-untracked');
    await createObjects(session.kc, ns, [trackedVm('vm1', 2 * MiB, false)]);
    await vmiRunning(session.kc, ns, 'vm1');
    const output = join(work, 'untracked.kvb');
    const stderr = await exportOk(ns, output);
    const warnings = stderr.split('\n').filter((line) => line.startsWith('warning: --incremental'));
    assert.equal(warnings.length, 1, stderr);
    assert.match(warnings[0] as string, /changed block tracking is off/);
    const inspected = await cli(['inspect', output, '-o', 'json']);
    const result = JSON.parse(inspected.stdout.toString());
    assert.equal(result.header.backup, undefined);
    assert.equal(result.volumes[0].sha256, (await volumeDigest(session.plane, pvcKey(ns, 'vm1-disk'))).sha256);
  });
});

function readTracker(ns: string): Promise<Obj> {
  return readObject<Obj>(session.kc, trackerRef(ns));
}

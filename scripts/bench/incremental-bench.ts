// Section "incremental", on the local control plane: `export --incremental` after 1 %, 10 % and 50 % of a disk changed,
// next to the full backup of the same disk: time, volume bytes moved, bundle size; then merge and restore of the chain.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { trackedVm, trackingEnabled, writeDisk } from '../e2e/backup-fixtures.ts';
import { createNamespace, createObjects, deleteNamespace, kubeConfig, type ControlPlane } from '../e2e/cluster.ts';
import { backupTransfers, pvcKey, SimSwitches, volumeDigest, type ByteRange } from '../e2e/simulator.ts';
import type { BenchContext } from './context.ts';
import { measure } from './measure.ts';
import { mib, seconds, verdict, type Table } from './report.ts';

const MiB = 1024 * 1024;
/** The disk: 256 MiB as in the issue (the smoke run: 8 MiB). */
const DISK_BYTES = { full: 256 * MiB, smoke: 8 * MiB };
const CHANGED_PERCENT = [1, 10, 50];

export async function benchIncremental(ctx: BenchContext, plane: ControlPlane): Promise<Table> {
  const disk = DISK_BYTES[ctx.smoke ? 'smoke' : 'full'];
  const kc = kubeConfig(plane);
  const ns = await createNamespace(kc, 'kvb-bench-incremental');
  const target = `${ns}-restored`;
  ctx.log(`incremental: a running, tracked VM with a ${mib(disk)} MiB disk in ${ns}`);
  try {
    await createObjects(kc, ns, [trackedVm('vm1', disk)]);
    await trackingEnabled(kc, ns, 'vm1');
    const moved = async () => (await backupTransfers(plane, ns)).reduce((sum, t) => sum + t.dataBytes, 0);
    const exportTo = async (output: string, base?: string) => {
      const before = await moved();
      const run = await measure(ctx.cli('export', 'vm1', '-n', ns, '--kubeconfig', plane.kubeconfig, '--incremental', ...(base ? ['--base', base] : []), '--output-file', output, '-v=1'));
      return { run, bytes: (await moved()) - before, size: statSync(output).size };
    };
    const rows: string[][] = [];
    const chain: string[] = [join(ctx.workDir, 'incremental-full.kvb')];
    ctx.log('incremental: the full backup');
    const full = await exportTo(chain[0] as string);
    rows.push(['full', '–', seconds(full.run.wallMs), cpu(full.run.cpuMs), mib(full.bytes), mib(full.size), '']);
    for (const [step, percent] of CHANGED_PERCENT.entries()) {
      const changed = Math.max(1, Math.round((disk / MiB) * (percent / 100)));
      await writeDisk(kc, ns, 'vm1-disk', spread(disk, changed, step + 1));
      const output = join(ctx.workDir, `incremental-${percent}.kvb`);
      ctx.log(`incremental: ${percent} % changed (${changed} × 1 MiB)`);
      const result = await exportTo(output, chain[chain.length - 1]);
      chain.push(output);
      // The writes are chunk-aligned: exactly the changed chunks must move, and the bundle holds about as much.
      rows.push([
        `incremental, ${percent} % changed`,
        mib(changed * MiB),
        seconds(result.run.wallMs),
        cpu(result.run.cpuMs),
        mib(result.bytes),
        mib(result.size),
        verdict(result.bytes === changed * MiB && result.size <= changed * MiB * 1.05 + MiB),
      ]);
    }
    const merged = join(ctx.workDir, 'incremental-merged.kvb');
    const merge = await measure(ctx.cli('merge', ...chain.flatMap((file) => ['-f', file]), '--output-file', merged));
    const restore = await measure(ctx.cli('restore', ...chain.flatMap((file) => ['-f', file]), '--kubeconfig', plane.kubeconfig, '--target-namespace', target, '--allow-collisions', '--timeout', '300'));
    const source = await volumeDigest(plane, pvcKey(ns, 'vm1-disk'));
    const restored = await volumeDigest(plane, pvcKey(target, 'vm1-disk'));
    return {
      title: `export --incremental of a ${mib(disk)} MiB disk after 1 %, 10 % and 50 % changed, next to its full backup`,
      columns: ['backup', 'changed (MiB)', 'time (s)', 'CPU (s)', 'volume data moved (MiB)', 'bundle (MiB)', 'moved = changed, bundle ≈ changed'],
      rows,
      notes: [
        `one run each, in chain order: \`kubectl-kvbackup export vm1 --incremental [--base PREVIOUS] --output-file F\`, default --parallel 4; each run creates a tracker on first use, a pull-mode VirtualMachineBackup with its token Secret and scratch claim, waits until its export is ready, and deletes them`,
        `changed: N × 1 MiB written through the simulator's write switch (${SimSwitches.write.annotation}), spread evenly over the disk; moved: bytes the backup data endpoints served (the simulator's GET /backup-transfers); the disk is the simulator's generated content (incompressible)`,
        `merge of the chain of ${chain.length} into one full bundle: ${seconds(merge.wallMs)} s, peak RSS ${mib(merge.peakRssBytes)} MiB, ${mib(statSync(merged).size)} MiB`,
        `restore of the chain of ${chain.length} (${chain.length} -f) into another namespace: ${seconds(restore.wallMs)} s, peak RSS ${mib(restore.peakRssBytes)} MiB; the restored disk's sha256 ${restored.sha256 === source.sha256 ? 'equals' : 'DIFFERS FROM'} the source's`,
      ],
    };
  } finally {
    for (const name of [ns, target]) await deleteNamespace(kc, name).catch(() => undefined);
  }
}

const cpu = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(2));

/**
 * `changed` 1 MiB ranges spread evenly over the disk, chunk-aligned, as the write switch takes them; `shift` chunks
 * further for each step, so that no two steps write the same value (the switch applies each distinct value once).
 */
function spread(disk: number, changed: number, shift: number): ByteRange[] {
  const chunks = disk / MiB;
  const ranges: ByteRange[] = [];
  for (let i = 0; i < changed; i++) ranges.push({ offset: ((Math.floor((i * chunks) / changed) + shift) % chunks) * MiB, length: MiB });
  return ranges;
}

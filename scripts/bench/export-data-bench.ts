// Section "data", on the local control plane: `export --with-data` of one volume next to curl of the same volume from
// the same export server, its peak RSS at two volume sizes, and an export killed with SIGKILL halfway then resumed.

import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import tar from 'tar-stream';
import type { ExportRecord } from '../../src/bundle/documents.ts';
import { volumeOffers } from '../../src/io/cluster/download.ts';
import type { ControlPlane } from '../e2e/cluster.ts';
import { served, SimSwitches } from '../e2e/simulator.ts';
import { generateCluster } from '../generate-cluster.ts';
import type { BenchContext } from './context.ts';
import { measure, measureInterleaved, median } from './measure.ts';
import { mib, ratio, seconds, verdict, type Table } from './report.ts';
import { vmNames } from './vm-set.ts';

/** Targets from issue 9: at least curl's speed; a resumed export fetches at most 60 % of the volume again. */
export const DATA_TARGETS = { ratio: 1.0, resumeFetchedFraction: 0.6 };
/** The volume sizes: 1 GiB (and 256 MiB to show memory does not grow with the volume); the smoke run uses 1-4 MiB. */
const DATA_BYTES = { full: [1024 ** 3, 256 * 1024 ** 2], smoke: [4 * 1024 ** 2, 1024 ** 2] };

export async function benchExportData(ctx: BenchContext, plane: ControlPlane): Promise<Table> {
  const sizes = DATA_BYTES[ctx.smoke ? 'smoke' : 'full'];
  const rows: string[][] = [];
  let resumeRow: string[] | undefined;
  for (const [i, bytes] of sizes.entries()) {
    const namespace = `kvb-bench-data-${bytes}`;
    const vm = vmNames(1).vm;
    ctx.log(`data: making sure ${namespace} holds one halted VM with a ${mib(bytes)} MiB volume`);
    await generateCluster({ vms: 1, namespace, seed: 'bench', diskBytes: bytes, kubeconfig: plane.kubeconfig, concurrency: 1, timeoutSeconds: 300, log: ctx.log });
    const common = [vm, '-n', namespace, '--kubeconfig', plane.kubeconfig, '--export'];

    // An export kept (with its token) for curl, deleted at the end; the tool's own runs make and delete theirs.
    const recordBundle = join(ctx.workDir, `data-record-${bytes}.kvb`);
    await measure(ctx.cli('export', ...common, '--include-token', '--keep', '--output-file', recordBundle));
    const record = (await exportRecords(recordBundle))[0];
    const offer = record ? volumeOffers(record.links)[0] : undefined;
    if (!record?.token || !offer?.raw) throw new Error('the kept export lists no raw volume to download');
    const curl = ['curl', '-fsS', '--cacert', plane.caFile, '-H', `x-kubevirt-export-token: ${record.token}`, '-o', '/dev/null', offer.raw];
    const exportArgv = (...extra: string[]) => ctx.cli('export', ...common, ...extra, '--output-file', '-');
    ctx.log(`data: ${ctx.runs} run(s) each of curl, export --with-data and the same export without data (${mib(bytes)} MiB)`);
    const before = await servedBytes(plane, namespace);
    let results;
    try {
      results = await measureInterleaved([curl, exportArgv('--with-data', '--verbose'), exportArgv()], ctx.runs);
    } finally {
      await deleteExport(plane, namespace, record);
    }
    const [floor, withData, without] = results;
    const perExport = ((await servedBytes(plane, namespace)) - before - bytes * ctx.runs) / ctx.runs; // curl took `bytes` per run
    const curlMs = median((floor ?? []).map((m) => m.wallMs));
    const dataMs = median((withData ?? []).map((m) => m.wallMs));
    const setupMs = median((without ?? []).map((m) => m.wallMs));
    // What the data costs the export: the same run without it creates, waits for and deletes the export as well.
    const downloadMs = Math.max(1, dataMs - setupMs);
    const rss = median((withData ?? []).map((m) => m.peakRssBytes));
    const baseRss = median((without ?? []).map((m) => m.peakRssBytes));
    const curlRss = median((floor ?? []).map((m) => m.peakRssBytes));
    const mibPerS = (ms: number) => (bytes / 1024 / 1024 / (ms / 1000)).toFixed(0);
    // CPU seconds per GiB: on a shared machine, what each side costs, whatever share of the CPU it got.
    const cpuPerGiB = (runs: { cpuMs?: number }[] | undefined, minus = 0) => {
      const cpu = median((runs ?? []).map((m) => m.cpuMs ?? NaN)) - minus;
      return Number.isFinite(cpu) ? ((cpu / 1000) * (1024 ** 3 / bytes)).toFixed(1) : '–';
    };
    const baseCpu = median((without ?? []).map((m) => m.cpuMs ?? NaN));
    rows.push([
      mib(bytes),
      seconds(curlMs),
      seconds(dataMs),
      seconds(setupMs),
      seconds(downloadMs),
      `${mibPerS(curlMs)} / ${mibPerS(downloadMs)}`,
      ratio(curlMs / downloadMs),
      `${(perExport / bytes).toFixed(3)}×`,
      `${cpuPerGiB(floor)} / ${cpuPerGiB(withData, baseCpu)}`,
      `${mib(curlRss)} / ${mib(baseRss)} / ${mib(rss)}`,
      i === 0 ? verdict(curlMs / downloadMs >= DATA_TARGETS.ratio) : '',
    ]);
    if (i === 0) resumeRow = await benchResume(ctx, plane, namespace, vm, bytes);
  }
  return {
    title: 'export --with-data (v1alpha2 chunks) next to curl of the same volume',
    columns: ['volume (MiB)', 'curl (s)', 'export --with-data (s)', 'same without data (s)', 'data = difference (s)', 'MiB/s curl / export', 'ratio', 'bytes fetched / volume', 'CPU s per GiB curl / export data', 'peak RSS MiB curl / export without / with data', `target ≥ ${DATA_TARGETS.ratio}× curl`],
    rows,
    notes: [
      `medians of ${ctx.runs} interleaved run(s); curl: \`curl -fsS --cacert CA -H 'x-kubevirt-export-token: …' -o /dev/null <raw URL>\` of the same VirtualMachineExport's raw image over one connection`,
      'export: `kubectl-kvbackup export VM -n NS --export [--with-data] --output-file -` to /dev/null, default --parallel 4; each run creates the VirtualMachineExport, waits until it is Ready and deletes it, so the data\'s cost is the difference of the two',
      'CPU: user + system seconds (GNU time) scaled to 1 GiB; for export, the run with data minus the run without (start-up, API calls, export setup)',
      'the volume is the simulator\'s generated content (sha256 blocks): incompressible and without zeros, the worst case for the chunker (every chunk hashed twice, zstd tried and refused); bytes fetched counted by the simulator\'s export server (GET /served)',
      ...(resumeRow ? [resumeRow.join(' ')] : []),
    ],
  };
}

/**
 * An export to a file killed with SIGKILL once the export server has served half of the volume, then run again with
 * --resume: what the second run fetched, and that the result validates.
 */
async function benchResume(ctx: BenchContext, plane: ControlPlane, namespace: string, vm: string, bytes: number): Promise<string[]> {
  const output = join(ctx.workDir, 'resume.kvb');
  // The smoke volume is fetched one chunk at a time, so that some chunks are complete when it is killed.
  const argv = ctx.cli('export', vm, '-n', namespace, '--kubeconfig', plane.kubeconfig, '--export', '--with-data', '--output-file', output, ...(ctx.smoke ? ['--parallel', '1'] : []));
  const kubectl = [plane.kubectl, '--kubeconfig', plane.kubeconfig, '-n', namespace];
  // The smoke volume is too small to catch midway at full speed: there the export server is slowed to 4 s a volume.
  if (ctx.smoke) await measure([...kubectl, 'annotate', '--overwrite', 'virtualmachines.kubevirt.io', vm, `${SimSwitches.downloadRate.annotation}=${SimSwitches.downloadRate.encode(Math.ceil(bytes / 4))}`]);
  try {
    ctx.log('data: an export killed with SIGKILL halfway, then --resume');
    const start = await servedBytes(plane, namespace);
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    for (;;) {
      const sent = (await servedBytes(plane, namespace)) - start;
      if (sent >= bytes / 2) break;
      if (child.exitCode !== null) throw new Error('the export ended before it could be interrupted');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGKILL');
    await exited;
    const killedAt = (await servedBytes(plane, namespace)) - start;
    const resumed = await measure([...argv, '--resume', '--verbose']);
    const fetched = (await servedBytes(plane, namespace)) - start - killedAt;
    await measure(ctx.cli('validate', output));
    const fraction = fetched / bytes;
    return [
      `resume: killed with SIGKILL after the server sent ${mib(killedAt)} MiB of the ${mib(bytes)} MiB volume; \`export … --resume\` took ${seconds(resumed.wallMs)} s, fetched ${mib(fetched)} MiB more (${(fraction * 100).toFixed(0)} % of the volume; target ≤ ${DATA_TARGETS.resumeFetchedFraction * 100} %: ${verdict(fraction <= DATA_TARGETS.resumeFetchedFraction)}), peak RSS ${mib(resumed.peakRssBytes)} MiB, and the bundle validates`,
    ];
  } finally {
    if (ctx.smoke) await measure([...kubectl, 'annotate', 'virtualmachines.kubevirt.io', vm, `${SimSwitches.downloadRate.annotation}-`]);
  }
}

async function servedBytes(plane: ControlPlane, namespace: string): Promise<number> {
  return (await served(plane, namespace)).reduce((sum, s) => sum + s.bytes, 0);
}

async function deleteExport(plane: ControlPlane, namespace: string, record: ExportRecord): Promise<void> {
  const kubectl = [plane.kubectl, '--kubeconfig', plane.kubeconfig, '-n', namespace, 'delete', '--ignore-not-found'];
  await measure([...kubectl, 'virtualmachineexports.export.kubevirt.io', record.exportName]);
  if (record.tokenSecretRef) await measure([...kubectl, 'secret', record.tokenSecretRef.name]);
}

/** The export records of a bundle (tar-stream and zstd only: the bench reads the records, nothing else). */
async function exportRecords(path: string): Promise<ExportRecord[]> {
  const extract = tar.extract();
  const records: ExportRecord[] = [];
  const done = (async () => {
    for await (const entry of extract as unknown as AsyncIterable<NodeJS.ReadableStream & { header: { name: string } }>) {
      const parts: Buffer[] = [];
      for await (const part of entry) parts.push(part as Buffer);
      if (/^exports\/.*\.json\.zst$/.test(entry.header.name)) records.push(JSON.parse(zstdDecompressSync(Buffer.concat(parts)).toString()) as ExportRecord);
    }
  })();
  createReadStream(path).pipe(extract);
  await done;
  return records;
}

// Bundles in an OCI registry (the distribution registry of scripts/registry.sh): a cold push, a second push of a bundle
// whose chunks are 90 % already there, a push of an unchanged bundle, and a pull, with the bytes each one sent.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { registryEnvFile, testRegistry } from '../e2e/registry.ts';
import { volumeBytes } from '../generate-bundle.ts';
import { writeDataBundleTo } from '../../src/testing/data-bundle.ts';
import type { BenchContext } from './context.ts';
import { measure, median, type Measured } from './measure.ts';
import { mib, seconds, verdict, type Table } from './report.ts';

/** Target from issue 14: the second push uploads at most this share of the bundle's bytes. */
export const PUSH_TARGETS = { secondPushShare: 0.15 };
/** The volume: 256 MiB of incompressible bytes (the smoke run: 8 MiB), 1 MiB chunks. */
const DATA_BYTES = { full: 256 * 1024 ** 2, smoke: 8 * 1024 ** 2 };

interface PushJson {
  sent: { bytes: number; requests: number };
  blobs: { count: number; uploaded: number; skipped: number };
}

export async function benchPush(ctx: BenchContext): Promise<Table> {
  const registry = testRegistry();
  const bytes = DATA_BYTES[ctx.smoke ? 'smoke' : 'full'];
  const changedFrom = Math.floor((bytes * 0.9) / 1024 ** 2) * 1024 ** 2;
  const first = join(ctx.workDir, 'push-first.kvb');
  const second = join(ctx.workDir, 'push-second.kvb');
  ctx.log(`push: two bundles of one ${mib(bytes)} MiB volume, the second with its last ${mib(bytes - changedFrom)} MiB changed`);
  await writeBundle(first, volumeBytes('bench', bytes));
  await writeBundle(second, spliced(volumeBytes('bench', changedFrom), volumeBytes('bench-changed', bytes - changedFrom)));
  const flags = ['--registry-ca-file', registry.caFile, '--registry-auth-file', registry.authFile, '-o', 'json'];
  const rows: { what: string; file: string; runs: Measured[]; sent: number[]; registryCpuMs: number[] }[] = [
    { what: 'cold push (empty repository)', file: first, runs: [], sent: [], registryCpuMs: [] },
    { what: 'second push, 90 % of chunks in the registry', file: second, runs: [], sent: [], registryCpuMs: [] },
    { what: 'push of an unchanged bundle', file: first, runs: [], sent: [], registryCpuMs: [] },
  ];
  const pulls: Measured[] = [];
  const pullRegistryCpuMs: number[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const repository = `oci://${registry.host}/kvb-bench-${process.pid}-${run}/bundle`;
    ctx.log(`push: run ${run + 1} of ${ctx.runs} into ${repository}`);
    for (const [i, row] of rows.entries()) {
      const before = registryCpuMs();
      const measured = await measure(ctx.cli('push', row.file, `${repository}:${['first', 'second', 'again'][i]}`, ...flags), { captureStdout: true });
      row.registryCpuMs.push(registryCpuMs() - before);
      row.runs.push(measured);
      row.sent.push((JSON.parse(measured.stdout) as PushJson).sent.bytes);
    }
    const pulled = join(ctx.workDir, 'pulled.kvb');
    const before = registryCpuMs();
    pulls.push(await measure(ctx.cli('pull', `${repository}:first`, '--output-file', pulled, '--registry-ca-file', registry.caFile, '--registry-auth-file', registry.authFile)));
    pullRegistryCpuMs.push(registryCpuMs() - before);
    if ((await sha256File(pulled)) !== (await sha256File(first))) throw new Error('the pulled bundle differs from the pushed one');
  }
  const size = (file: string) => statSync(file).size;
  const share = (row: (typeof rows)[number]) => median(row.sent) / size(row.file);
  const mibPerS = (runs: Measured[], file: string) => (size(file) / 1024 ** 2 / (median(runs.map((m) => m.wallMs)) / 1000)).toFixed(1);
  const cpu = (runs: Measured[]) => (runs.every((m) => m.cpuMs !== undefined) ? seconds(median(runs.map((m) => m.cpuMs as number))) : 'n/a');
  return {
    title: `push and pull of a bundle with one ${mib(bytes)} MiB volume`,
    columns: ['run', 'bundle (MiB)', 'sent (MiB)', 'sent / bundle', 'wall (s)', 'CLI CPU user+sys (s)', 'registry CPU (s)', 'MiB/s', 'peak RSS (MiB)', `target: second push ≤ ${PUSH_TARGETS.secondPushShare * 100} %`],
    rows: [
      ...rows.map((row, i) => [
        row.what,
        mib(size(row.file)),
        mib(median(row.sent)),
        `${(share(row) * 100).toFixed(1)} %`,
        seconds(median(row.runs.map((m) => m.wallMs))),
        cpu(row.runs),
        seconds(median(row.registryCpuMs)),
        mibPerS(row.runs, row.file),
        mib(median(row.runs.map((m) => m.peakRssBytes))),
        i === 1 ? verdict(share(row) <= PUSH_TARGETS.secondPushShare) : '',
      ]),
      ['pull (byte-identical, checked)', mib(size(first)), '0', '', seconds(median(pulls.map((m) => m.wallMs))), cpu(pulls), seconds(median(pullRegistryCpuMs)), mibPerS(pulls, first), mib(median(pulls.map((m) => m.peakRssBytes))), ''],
    ],
    notes: [
      `medians of ${ctx.runs} run(s), each into a fresh repository of the local registry (scripts/registry.sh: CNCF distribution, TLS, htpasswd login, filesystem storage on the same disk)`,
      'sent: what push reports in `-o json` (`sent.bytes`: blob and manifest bodies uploaded); every blob is first checked with a HEAD, and only missing ones are uploaded',
      `the second bundle shares its first ${mib(changedFrom)} MiB (${Math.round((changedFrom / bytes) * 100)} % of its chunks) with the first; chunks are incompressible (stored raw)`,
      'registry CPU: user+sys of the registry process over the run (/proc/PID/stat), the work on the other side of the wire',
      'pull: the tar rebuilt from the blobs, each verified against its digest, written to a file and compared with the pushed one',
    ],
  };
}

async function writeBundle(file: string, bytes: AsyncIterable<Uint8Array>): Promise<void> {
  const out = createWriteStream(file);
  const volume = { apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', metadata: { name: 'disk', namespace: 'bench' }, spec: { source: { blank: {} }, storage: {} } };
  await writeDataBundleTo(out, [volume], 'bench', 'vm', [{ volume: 'disk', bytes }]);
  await finished(out);
}

async function* spliced(...parts: AsyncIterable<Uint8Array>[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield* part;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** User + system CPU of the registry process so far, in ms (its PID is in the state directory beside the env file). */
function registryCpuMs(): number {
  const pid = readFileSync(join(dirname(registryEnvFile()), 'registry.pid'), 'utf8').trim();
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // Fields 14 and 15 of /proc/PID/stat (utime, stime), in clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

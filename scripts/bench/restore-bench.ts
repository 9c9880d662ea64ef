// Restore upload on the local control plane: a volume restored from a v1alpha2 bundle next to `curl --data-binary` of
// the same bytes to the same upload proxy (the simulator's, which stores what it receives).

import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { connect, type ControlPlane } from '../e2e/cluster.ts';
import { volumeBytes } from '../generate-bundle.ts';
import { script, type BenchContext } from './context.ts';
import { measure, median, type Measured } from './measure.ts';
import { mib, ratio, seconds, verdict, type Table } from './report.ts';
import { vmNames } from './vm-set.ts';

/** Target from issue 9: restore uploads at no less than this share of curl's throughput. */
export const RESTORE_TARGETS = { ratio: 0.9 };
/** The volume restored: 1 GiB (the smoke run uses 4 MiB). */
const DATA_BYTES = { full: 1024 ** 3, smoke: 4 * 1024 ** 2 };

/** restore's own line for each volume: `uploaded N bytes into NS/NAME in S s (M MiB/s)`. */
export function uploadSeconds(stderr: string): number {
  const match = /uploaded \d+ bytes into \S+ in ([\d.]+) s/.exec(stderr);
  if (!match) throw new Error(`restore did not report its upload:\n${stderr.slice(-1000)}`);
  return Number(match[1]);
}

export async function benchRestore(ctx: BenchContext): Promise<Table> {
  const plane = await connect();
  const bytes = DATA_BYTES[ctx.smoke ? 'smoke' : 'full'];
  const bundle = join(ctx.workDir, 'restore-data.kvb');
  const raw = join(ctx.workDir, 'restore-data.img');
  ctx.log(`restore: a bundle with one ${mib(bytes)} MiB volume of incompressible bytes, and the same bytes as a file for curl`);
  await measure(script('scripts/generate-bundle.ts', '--vms', '1', '--data-bytes', String(bytes), '--output-file', bundle));
  await pipeline(Readable.from(volumeBytes('bench', bytes)), createWriteStream(raw));
  const kubectl = (...args: string[]) => [plane.kubectl, '--kubeconfig', plane.kubeconfig, ...args];
  const proxy = (await measure(kubectl('get', 'cdiconfigs.cdi.kubevirt.io', 'config', '-o', 'jsonpath={.status.uploadProxyURL}'), { captureStdout: true })).stdout.trim();
  const { disk } = vmNames(1);

  const curl: Measured[] = [];
  const fromFile: Measured[] = [];
  const fromPipe: Measured[] = [];
  const uploadFile: number[] = [];
  const uploadPipe: number[] = [];
  const spool: number[] = [];
  const namespaces: string[] = [];
  try {
    for (let run = 0; run < ctx.runs; run++) {
      ctx.log(`restore: run ${run + 1} of ${ctx.runs}: curl, restore from the file, restore from a pipe`);
      const target = `kvb-bench-restore-${process.pid}-${run}`;
      namespaces.push(target);
      curl.push(await measure(await curlArgv(plane, kubectl, target, proxy, raw)));
      const file = await measure(ctx.cli('restore', '-f', bundle, '--kubeconfig', plane.kubeconfig, '--target-namespace', `${target}-f`, '--seed', `${target}-f`, '--timeout', '600'));
      namespaces.push(`${target}-f`);
      fromFile.push(file);
      uploadFile.push(uploadSeconds(file.stderr) * 1000);
      const pipe = await measure(['sh', '-c', `cat '${bundle}' | "$@"`, 'sh', ...ctx.cli('restore', '-f', '-', '--kubeconfig', plane.kubeconfig, '--target-namespace', `${target}-p`, '--seed', `${target}-p`, '--timeout', '600')]);
      namespaces.push(`${target}-p`);
      fromPipe.push(pipe);
      uploadPipe.push(uploadSeconds(pipe.stderr) * 1000);
      spool.push(spoolBytes(pipe.stderr));
    }
  } finally {
    for (const namespace of namespaces) await measure(kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false')).catch(() => undefined);
  }
  const curlMs = median(curl.map((m) => m.wallMs));
  const fileMs = median(uploadFile);
  const pipeMs = median(uploadPipe);
  const mibPerS = (ms: number) => (bytes / 1024 / 1024 / (ms / 1000)).toFixed(0);
  const row = (what: string, uploadMs: number, runs: Measured[], spooled: string): string[] => [
    what,
    seconds(curlMs),
    seconds(uploadMs),
    seconds(median(runs.map((m) => m.wallMs))),
    `${mibPerS(curlMs)} / ${mibPerS(uploadMs)}`,
    ratio(curlMs / uploadMs),
    mib(median(runs.map((m) => m.peakRssBytes))),
    spooled,
    verdict(curlMs / uploadMs >= RESTORE_TARGETS.ratio),
  ];
  return {
    title: `restore upload of one ${mib(bytes)} MiB volume`,
    columns: ['bundle read from', 'curl -T (s)', 'restore upload (s)', 'whole restore (s)', 'MiB/s curl / restore', 'ratio (throughput)', 'restore peak RSS (MiB)', 'temp dir peak (MiB)', `target ≥ ${RESTORE_TARGETS.ratio}× curl`],
    rows: [row('file', fileMs, fromFile, '0'), row('pipe (cat B |)', pipeMs, fromPipe, mib(median(spool)))],
    notes: [
      `medians of ${ctx.runs} run(s); each run restores into fresh namespaces (an upload goes into a new DataVolume); the bundle: scripts/generate-bundle.ts --vms 1 --data-bytes ${bytes} (incompressible, 1 MiB chunks stored raw)`,
      'curl: `curl -fsS -X POST -T VOLUME -H "Authorization: Bearer T" https://PROXY/v1beta1/upload` into a DataVolume made UploadReady beforehand (set-up not timed); `-T` streams the file where `--data-binary @VOLUME` would first read all of it into memory (curl refuses that for 1 GiB)',
      'restore upload: the time restore reports between opening and completing the upload request, every chunk read back, its sha256 checked, then sent; whole restore adds applying the objects and waiting for UploadReady',
      'temp dir peak: from a pipe, chunks wait in a private temporary directory until their index arrives (restore reports the peak)',
    ],
  };
}

/** `kvbackup restore` reports the spool's peak as `… took at most 1.5 GiB in a temporary directory`. */
function spoolBytes(stderr: string): number {
  const match = /took at most ([\d.]+) (B|KiB|MiB|GiB) in a temporary directory/.exec(stderr);
  if (!match) return 0;
  const unit = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[match[2] as 'B' | 'KiB' | 'MiB' | 'GiB'];
  return Number(match[1]) * unit;
}

/** Makes an upload DataVolume in a fresh namespace, waits until it is UploadReady, and returns the curl that fills it. */
async function curlArgv(plane: ControlPlane, kubectl: (...args: string[]) => string[], namespace: string, proxy: string, raw: string): Promise<string[]> {
  const name = 'curl-disk';
  const manifest = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', metadata: { name, namespace }, spec: { source: { upload: {} }, storage: { resources: { requests: { storage: '2Gi' } } } } },
    ],
  });
  await measure(['sh', '-c', 'printf %s "$1" | "$2" --kubeconfig "$3" apply -f -', 'sh', manifest, plane.kubectl, plane.kubeconfig]);
  await measure(kubectl('wait', '-n', namespace, `datavolumes.cdi.kubevirt.io/${name}`, '--for=jsonpath={.status.phase}=UploadReady', '--timeout=120s'));
  const request = JSON.stringify({ apiVersion: 'upload.cdi.kubevirt.io/v1beta1', kind: 'UploadTokenRequest', metadata: { name, namespace }, spec: { pvcName: name } });
  const created = await measure(['sh', '-c', 'printf %s "$1" | "$2" --kubeconfig "$3" create -f - -o "jsonpath={.status.token}"', 'sh', request, plane.kubectl, plane.kubeconfig], { captureStdout: true });
  const token = created.stdout.trim();
  if (!token) throw new Error('the UploadTokenRequest returned no token');
  // `--data-binary @FILE` reads the whole file into memory first (curl refuses 1 GiB: "out of memory"); `-T FILE -X
  // POST` sends the same bytes, with the same Content-Length, streamed from the file.
  return ['curl', '-fsS', '--cacert', plane.caFile, '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/octet-stream', '-X', 'POST', '-T', raw, '-o', '/dev/null', `${proxy.replace(/\/+$/, '')}/v1beta1/upload`];
}

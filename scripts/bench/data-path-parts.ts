// The parts of `export --with-data`'s data path, each run alone in-process, with its CPU per GiB (whole process and
// main thread): the fetch (Range requests into whole chunks), the chunker and bundle writer, and both together.
// Run: node scripts/bench/data-path-parts.ts fetch|chunk|all --url RAW_URL --ca CA.pem --token T [--parallel 4]
//      node scripts/bench/data-path-parts.ts chunk [--gib 1]   (no server: incompressible pieces from memory)
// For the fetch, any server that serves the raw image with Range as virt-exportserver does: the control plane's
// export server with a kept export (its URL, CA and token in the bundle of `export --keep --include-token`).

import { createCipheriv } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { planVolumes, writeVolumeData } from '../../src/app/export-data.ts';
import { BUNDLE_FORMAT_VERSION, FORMAT_NAME, type BundleHeader, type ExportRecord } from '../../src/bundle/index.ts';
import { writeVolume } from '../../src/io/chunks/write-volume.ts';
import { volumeOffers } from '../../src/io/cluster/download.ts';
import { fetchVolumes } from '../../src/io/cluster/volume-fetch.ts';
import { createBundleWriter, type BundleWriter } from '../../src/io/tar/bundle-writer.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: 'string' }, ca: { type: 'string' }, token: { type: 'string' }, parallel: { type: 'string', default: '4' }, gib: { type: 'string', default: '1' } },
});
const part = positionals[0];
if (part !== 'fetch' && part !== 'chunk' && part !== 'all') throw new Error('usage: data-path-parts.ts fetch|chunk|all [--url U --ca F --token T] [--parallel N] [--gib N]');
const parallel = Number(values.parallel);
const record = (url: string, ca: string | undefined): ExportRecord => ({
  namespace: 'bench',
  vmName: 'vm',
  exportName: 'e',
  phase: 'Ready',
  links: { external: { ...(ca ? { cert: ca } : {}), volumes: [{ name: 'disk', formats: [{ format: 'raw', url }] }], manifests: [] } },
  data: [],
});

/** A bundle writer to /dev/null with the header and one export record written, ready for the data section. */
async function writerFor(rec: ExportRecord): Promise<BundleWriter> {
  const header: BundleHeader = { format: FORMAT_NAME, formatVersion: BUNDLE_FORMAT_VERSION, toolVersion: '0.0.0', createdAt: '2026-01-01T00:00:00Z', selection: { namespaces: ['bench'] }, contents: { objects: 0, exports: 1, data: 1 } };
  const writer = createBundleWriter(createWriteStream('/dev/null'));
  await writer.writeHeader(header);
  await writer.writeGraph({ nodes: [], edges: [] });
  await writer.writeExport(rec);
  return writer;
}

const started = { wall: performance.now(), cpu: process.cpuUsage(), thread: process.threadCpuUsage() };
let bytes = 0;
if (part === 'chunk') {
  // Incompressible, never-repeating pieces of one TLS record each (AES-CTR keystream), as the fetch delivers them.
  const rec = record('https://bench.invalid/disk.img', undefined);
  rec.data = [{ volume: 'disk', format: 'raw', path: 'volumes/bench/disk/index.json.zst' }];
  const writer = await writerFor(rec);
  bytes = Number(values.gib) * 1024 ** 3;
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 1), Buffer.alloc(16));
  const zeros = Buffer.alloc(16 * 1024);
  const pieces = function* () {
    for (let at = 0; at < bytes; at += zeros.length) yield cipher.update(zeros);
  };
  await writeVolume(writer, { namespace: 'bench', volume: 'disk', size: bytes }, pieces());
  await writer.finish();
} else {
  if (!values.url || !values.token) throw new Error('fetch and all need --url and --token (and --ca for a private CA)');
  const ca = values.ca ? readFileSync(values.ca, 'utf8') : undefined;
  const rec = record(values.url, ca);
  const plans = planVolumes(rec, volumeOffers(rec.links), values.token);
  if (part === 'fetch') {
    const consumer = { start: async () => {}, write: async (piece: Buffer) => void (bytes += piece.length), end: async () => {} };
    await fetchVolumes([{ label: 'disk', offer: plans[0]!.offer, token: values.token, consumer }], { parallel, chunkSize: 1024 * 1024 });
  } else {
    const writer = await writerFor(rec);
    const [outcome] = await writeVolumeData(writer, plans, { parallel, signal: new AbortController().signal, fetch: fetchVolumes, onRequest() {}, onRetry() {}, progress: () => ({ add() {}, done() {} }) });
    await writer.finish();
    bytes = outcome?.size ?? 0;
  }
}
const seconds = (performance.now() - started.wall) / 1000;
const cpu = process.cpuUsage(started.cpu);
const thread = process.threadCpuUsage(started.thread);
const gib = bytes / 1024 ** 3;
console.log(
  `${part}: ${(bytes / 1024 ** 2).toFixed(0)} MiB in ${seconds.toFixed(2)} s (${(bytes / 1024 ** 2 / seconds).toFixed(0)} MiB/s); ` +
    `CPU ${((cpu.user + cpu.system) / 1e6 / gib).toFixed(2)} s per GiB, main thread ${((thread.user + thread.system) / 1e6 / gib).toFixed(2)}`,
);

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FORMAT_NAME, BUNDLE_FORMAT_VERSION, type BundleHeader, type ExportRecord } from '../bundle/index.ts';
import { fetchVolumes } from '../io/cluster/volume-fetch.ts';
import { createBundleWriter } from '../io/tar/bundle-writer.ts';
import { openJournal, readJournal, type JournalHeader } from '../io/files/export-journal.ts';
import { scanPartialBundle } from '../io/files/partial-bundle.ts';
import { startTestServer, type TestServer } from '../testing/fake-apiserver.ts';
import { readWholeBundle } from '../testing/read-bundle.ts';
import { makeTempDir } from '../testing/temp-dir.ts';
import { planVolumes, writeVolumeData, type ReuseSource, type VolumeOutcome } from './export-data.ts';

const MiB = 1024 * 1024;
const golden = Buffer.concat([randomBytes(2 * MiB), Buffer.alloc(3 * MiB), Buffer.from('x'.repeat(MiB + 99))]);
const fsImage = Buffer.from('a tar of a filesystem volume, as KubeVirt serves it gzipped');

/** Raw images with Range (like http.ServeContent), gzip-only and tar.gz-only volumes; counts body bytes. */
function exportServer(counts: { bytes: number }) {
  return startTestServer((request, response, url) => {
    const body = url.pathname.startsWith('/fs/') ? fsImage : golden;
    if (url.pathname.endsWith('.gz')) {
      const gz = gzipSync(body);
      counts.bytes += gz.length;
      response.writeHead(200).end(gz);
      return;
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(request.headers.range ?? ''));
    const start = Number(range?.[1] ?? 0);
    const end = Math.min(Number(range?.[2] ?? body.length - 1), body.length - 1);
    counts.bytes += end - start + 1;
    response.writeHead(206, { 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${body.length}` });
    response.end(body.subarray(start, end + 1));
  });
}

function record(server: TestServer): ExportRecord {
  const volume = (name: string, formats: [string, string][]) => ({ name, formats: formats.map(([format, path]) => ({ format, url: `${server.url}${path}` })) });
  return {
    namespace: 'ns1',
    vmName: 'vm',
    exportName: 'e',
    phase: 'Ready',
    links: {
      external: {
        volumes: [
          volume('disk', [['raw', '/disk/disk.img'], ['gzip', '/disk/disk.img.gz']]),
          volume('clone', [['raw', '/clone/disk.img'], ['gzip', '/clone/disk.img.gz']]),
          volume('gz-only', [['gzip', '/gz/disk.img.gz']]),
          volume('fs', [['dir', '/fs/dir'], ['tar.gz', '/fs/disk.tar.gz']]),
        ],
        manifests: [],
      },
    },
    data: [],
  };
}

const header = (data: number): BundleHeader => ({
  format: FORMAT_NAME,
  formatVersion: BUNDLE_FORMAT_VERSION,
  toolVersion: '0.0.0',
  createdAt: '2026-01-01T00:00:00Z',
  selection: { namespaces: ['ns1'] },
  contents: { objects: 0, exports: 1, data },
});

const noProgress = () => ({ add() {}, done() {} });

describe('writeVolumeData', () => {
  const counts = { bytes: 0 };
  let server: TestServer;
  before(async () => (server = await exportServer(counts)));
  after(() => server.close());

  it('fetches every volume into chunks: a clone and zeros cost nothing, streams are inflated, archives kept as such', async () => {
    const rec = record(server);
    const { volumeOffers } = await import('../io/cluster/download.ts');
    const plans = planVolumes(rec, volumeOffers(rec.links), 'token');
    assert.deepEqual(rec.data.map((d) => [d.volume, d.format, d.path]), [
      ['clone', 'raw', 'volumes/ns1/clone/index.json.zst'],
      ['disk', 'raw', 'volumes/ns1/disk/index.json.zst'],
      ['fs', 'archive', 'volumes/ns1/fs/index.json.zst'],
      ['gz-only', 'raw', 'volumes/ns1/gz-only/index.json.zst'],
    ]);
    const out = new PassThrough();
    const collected: Buffer[] = [];
    out.on('data', (c: Buffer) => collected.push(c));
    const writer = createBundleWriter(out);
    await writer.writeHeader(header(plans.length));
    await writer.writeGraph({ nodes: [], edges: [] });
    await writer.writeExport(rec);
    counts.bytes = 0;
    const outcomes = await writeVolumeData(writer, plans, { parallel: 3, signal: new AbortController().signal, fetch: fetchVolumes, onRequest() {}, onRetry() {}, progress: noProgress });
    await writer.finish();
    const byName = new Map(outcomes.map((o) => [o.volume, o]));
    assert.deepEqual([...byName.keys()], ['clone', 'disk', 'fs', 'gz-only']);
    assert.deepEqual((['clone', 'disk'] as const).map((v) => (byName.get(v) as VolumeOutcome).mode), ['raw-ranges', 'raw-ranges']);
    assert.equal(byName.get('gz-only')?.mode, 'gzip-stream');
    assert.equal(byName.get('fs')?.mode, 'archive-stream');
    const stored = outcomes.reduce((sum, o) => sum + o.storedBytes, 0);
    assert.ok(stored < 2 * MiB + 64 * 1024, `the random 2 MiB stored once, zeros never, text compressed: ${stored} bytes stored`);
    assert.equal(byName.get('disk')?.zeroBytes, 3 * MiB);

    const { data, indexes } = await readWholeBundle(Readable.from([Buffer.concat(collected)]));
    const bytesOf = (volume: string) => data.find((d) => d.path === `volumes/ns1/${volume}/index.json.zst`)?.bytes;
    for (const volume of ['disk', 'clone', 'gz-only']) assert.deepEqual(bytesOf(volume), golden, volume);
    assert.deepEqual(bytesOf('fs'), fsImage);
    assert.equal(indexes.find((i) => i.volume === 'fs')?.format, 'archive');
  });

  it('resumes: chunks the journal and the partial bundle hold are read back instead of fetched', async () => {
    const dir = makeTempDir('kvb-export-data-');
    const rec = record(server);
    rec.links.external!.volumes = rec.links.external!.volumes.filter((v) => v.name === 'disk');
    const { volumeOffers } = await import('../io/cluster/download.ts');
    const plans = planVolumes(rec, volumeOffers(rec.links), 'token');
    // A first run whose bundle holds every chunk of the volume (as an interrupted run that got that far would).
    const partial = join(dir, 'out.kvb.partial');
    const journalPath = `${partial}.journal`;
    const journalHeader: JournalHeader = { kind: 'kubectl-kvbackup/export-journal', version: 1, runId: 'r', startedAt: '', selection: { namespace: 'ns1', allNamespaces: false, names: [], selector: undefined }, includeToken: false, exports: [] };
    const journal = await openJournal(journalPath, journalHeader);
    const file = createWriteStream(partial);
    const writer = createBundleWriter(file);
    await writer.writeHeader(header(1));
    await writer.writeGraph({ nodes: [], edges: [] });
    await writer.writeExport(rec);
    await writeVolumeData(writer, plans, { parallel: 2, signal: new AbortController().signal, journal, fetch: fetchVolumes, onRequest() {}, onRetry() {}, progress: noProgress });
    await writer.finish();
    await journal.close();
    const state = await readJournal(journalPath);
    assert.deepEqual(state?.chunks.map((c) => [c.o, c.d === undefined ? 'zero' : c.c]), [[0, 'none'], [MiB, 'none'], [2 * MiB, 'zero'], [3 * MiB, 'zero'], [4 * MiB, 'zero'], [5 * MiB, 'zstd'], [6 * MiB, 'zstd']]);

    const entries = await scanPartialBundle(partial);
    const handle = await open(partial, 'r');
    const reuse: ReuseSource = {
      handle,
      chunks: new Map([['ns1/disk', new Map(state!.chunks.map((c) => [c.o, c]))]]),
      stored: new Map(entries.filter((e) => e.path.startsWith('chunks/sha256/')).map((e) => [e.path.slice('chunks/sha256/'.length), { dataOffset: e.dataOffset, size: e.size }])),
    };
    const again = createBundleWriter(new PassThrough().resume());
    await again.writeHeader(header(1));
    await again.writeGraph({ nodes: [], edges: [] });
    await again.writeExport(rec);
    counts.bytes = 0;
    const [outcome] = await writeVolumeData(again, plans, { parallel: 2, signal: new AbortController().signal, reuse, fetch: fetchVolumes, onRequest() {}, onRetry() {}, progress: noProgress });
    await again.finish();
    await handle.close();
    assert.equal(counts.bytes, MiB, 'only the probe (the first chunk) went over the wire');
    assert.equal(outcome?.reusedBytes, golden.length);
    assert.equal(outcome?.sha256, (await import('node:crypto')).createHash('sha256').update(golden).digest('hex'));
  });
});

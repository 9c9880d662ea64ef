import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ClusterError } from '../../errors.ts';
import { volumeOffers } from './download.ts';
import { fetchVolumes, type VolumeConsumer, type VolumeJob, type VolumeStart } from './volume-fetch.ts';
import { startTestServer, type TestServer } from '../../testing/fake-apiserver.ts';

const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 9)) % 251));
const fast = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 5 };
const CHUNK = 64 * 1024;

/** Serves `payload` as http.ServeContent does (Range → 206), plus the failure modes the tests switch on by path. */
function serveContent(request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse, body: Buffer, cut: boolean): void {
  const range = /^bytes=(\d+)-(\d+)$/.exec(String(request.headers.range ?? ''));
  if (!range) {
    response.writeHead(200, { 'content-length': String(body.length), 'accept-ranges': 'bytes' });
    response.end(body);
    return;
  }
  const start = Number(range[1]);
  const end = Math.min(Number(range[2]), body.length - 1);
  if (start >= body.length) {
    response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    return;
  }
  response.writeHead(206, { 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${body.length}` });
  if (cut) {
    response.write(body.subarray(start, start + 1000), () => response.socket?.destroy());
    return;
  }
  response.end(body.subarray(start, end + 1));
}

/** A consumer that keeps what it is given, in order. */
function collector(): VolumeConsumer & { start_: VolumeStart | undefined; bytes(): Buffer; pieces: { length: number; fetched: boolean }[]; ended: boolean } {
  const parts: Buffer[] = [];
  const out = {
    start_: undefined as VolumeStart | undefined,
    pieces: [] as { length: number; fetched: boolean }[],
    ended: false,
    async start(info: VolumeStart) {
      out.start_ = info;
    },
    async write(bytes: Buffer, fetched: boolean) {
      parts.push(Buffer.from(bytes));
      out.pieces.push({ length: bytes.length, fetched });
    },
    async end() {
      out.ended = true;
    },
    bytes: () => Buffer.concat(parts),
  };
  return out;
}

describe('fetchVolumes', () => {
  let server: TestServer;
  let cuts = 0;
  let failures = 0;
  before(async () => {
    server = await startTestServer((request, response, url) => {
      if (request.headers['x-kubevirt-export-token'] !== 'secret') {
        response.writeHead(401).end('bad token');
        return;
      }
      switch (url.pathname) {
        case '/ranged/disk.img':
          return serveContent(request, response, payload, false);
        case '/flaky/disk.img': {
          if (request.headers.range?.startsWith('bytes=196608-') && failures-- > 0) {
            response.writeHead(503).end('busy');
            return;
          }
          const cut = request.headers.range !== undefined && !request.headers.range.startsWith('bytes=0-') && cuts-- > 0;
          return serveContent(request, response, payload, cut);
        }
        case '/empty/disk.img':
          return serveContent(request, response, Buffer.alloc(0), false);
        case '/norange/disk.img':
          response.writeHead(200, { 'content-length': String(payload.length) });
          response.end(payload);
          return;
        case '/norange/disk.img.gz':
        case '/gz/disk.img.gz':
        case '/archive/disk.tar.gz': {
          response.writeHead(200, { 'content-type': 'application/gzip' });
          const gz = gzipSync(payload);
          if (cuts-- > 0) {
            response.write(gz.subarray(0, 50_000), () => response.socket?.destroy());
            return;
          }
          response.end(gz);
          return;
        }
        default:
          response.writeHead(404).end('not found');
      }
    });
  });
  after(() => server.close());

  const job = (volume: string, offer: Partial<VolumeJob['offer']>, consumer: VolumeConsumer, extra: Partial<VolumeJob> = {}): VolumeJob => ({
    label: `ns/${volume}`,
    offer: { volume, ca: undefined, ...offer },
    token: 'secret',
    consumer,
    ...extra,
  });
  const options = { parallel: 3, chunkSize: CHUNK, retryPolicy: fast };

  it('cuts with the chunk size the volume needs, completing the first chunk after the probe', async () => {
    const consumer = collector();
    await fetchVolumes([job('disk', { raw: `${server.url}/ranged/disk.img` }, consumer, { chunkSizeFor: () => 2 * CHUNK })], options);
    assert.deepEqual(consumer.bytes(), payload);
    assert.deepEqual(consumer.pieces.map((p) => p.length), [2 * CHUNK, 2 * CHUNK, payload.length - 4 * CHUNK]);
  });

  it('reads a Range-capable raw image as whole chunks, in order, over kept-alive connections', async () => {
    const consumer = collector();
    const before = server.requests.length;
    await fetchVolumes([job('disk', { raw: `${server.url}/ranged/disk.img`, gzip: `${server.url}/gz/disk.img.gz` }, consumer)], options);
    assert.deepEqual(consumer.start_, { mode: 'raw-ranges', format: 'raw', size: payload.length });
    assert.deepEqual(consumer.bytes(), payload);
    assert.deepEqual(consumer.pieces.map((p) => p.length), [CHUNK, CHUNK, CHUNK, CHUNK, payload.length - 4 * CHUNK]);
    assert.equal(consumer.ended, true);
    assert.equal(server.requests.length - before, 5, 'one request per chunk, the probe bringing the first');
  });

  it('finishes a chunk cut short and retries a 503, delivering each byte once', async () => {
    cuts = 2;
    failures = 1;
    const consumer = collector();
    const retries: string[] = [];
    await fetchVolumes([job('disk', { raw: `${server.url}/flaky/disk.img` }, consumer)], { ...options, onRetry: (m) => retries.push(m) });
    assert.deepEqual(consumer.bytes(), payload);
    assert.equal(retries.length, 3, retries.join('\n'));
  });

  it('skips the chunks a resumed run already has, and fetches only the others', async () => {
    const consumer = collector();
    let fetchedBytes = 0;
    const have = new Set([0, 2 * CHUNK]);
    const reuse = async (offset: number, length: number) => (have.has(offset) ? payload.subarray(offset, offset + length) : undefined);
    await fetchVolumes([job('disk', { raw: `${server.url}/ranged/disk.img` }, consumer, { reuse, onWire: (n) => (fetchedBytes += n) })], options);
    assert.deepEqual(consumer.bytes(), payload);
    assert.deepEqual(consumer.pieces.map((p) => p.fetched), [false, true, false, true, true]);
    assert.equal(fetchedBytes, payload.length - CHUNK, 'the probe brings chunk 0; chunk 2 is not fetched');
  });

  it('streams gzip-only and archive volumes through inflate, and falls back to gzip when raw ignores Range', async () => {
    const gz = collector();
    const archive = collector();
    const norange = collector();
    await fetchVolumes(
      [
        job('a', { gzip: `${server.url}/gz/disk.img.gz` }, gz),
        job('b', { archive: `${server.url}/archive/disk.tar.gz` }, archive),
        job('c', { raw: `${server.url}/norange/disk.img` }, norange),
      ],
      options,
    );
    assert.deepEqual(gz.start_, { mode: 'gzip-stream', format: 'raw', size: undefined });
    assert.deepEqual(archive.start_, { mode: 'archive-stream', format: 'archive', size: undefined });
    assert.deepEqual(norange.start_, { mode: 'raw-stream', format: 'raw', size: payload.length });
    for (const c of [gz, archive, norange]) assert.deepEqual(c.bytes(), payload);
  });

  it('restarts a broken gzip stream and skips what was delivered', async () => {
    cuts = 1;
    const consumer = collector();
    await fetchVolumes([job('a', { gzip: `${server.url}/gz/disk.img.gz` }, consumer)], options);
    assert.deepEqual(consumer.bytes(), payload);
  });

  it('handles an empty image', async () => {
    const consumer = collector();
    await fetchVolumes([job('e', { raw: `${server.url}/empty/disk.img` }, consumer)], options);
    assert.deepEqual(consumer.start_, { mode: 'raw-ranges', format: 'raw', size: 0 });
    assert.equal(consumer.bytes().length, 0);
  });

  it('fails with one line naming the volume on a refused token or a missing volume', async () => {
    await assert.rejects(
      fetchVolumes([job('disk', { raw: `${server.url}/ranged/disk.img` }, collector(), { token: 'wrong' })], options),
      (error: unknown) => error instanceof ClusterError && /ns\/disk .*HTTP 401/.test(error.message),
    );
    await assert.rejects(fetchVolumes([job('gone', { gzip: `${server.url}/missing.gz` }, collector())], options), /ns\/gone .*HTTP 404/);
  });
});

describe('volumeOffers', () => {
  it('prefers the external links and lists every format each volume offers', () => {
    const links = {
      internal: { cert: 'internal-ca', volumes: [{ name: 'x', formats: [{ format: 'gzip', url: 'https://svc/x.gz' }] }], manifests: [] },
      external: {
        cert: 'external-ca',
        volumes: [
          { name: 'b', formats: [{ format: 'raw', url: 'https://ext/b.img' }, { format: 'gzip', url: 'https://ext/b.img.gz' }] },
          { name: 'a', formats: [{ format: 'dir', url: 'https://ext/a/' }, { format: 'tar.gz', url: 'https://ext/a.tar.gz' }] },
        ],
        manifests: [],
      },
    };
    assert.deepEqual(volumeOffers(links), [
      { volume: 'a', raw: undefined, gzip: undefined, archive: 'https://ext/a.tar.gz', ca: 'external-ca' },
      { volume: 'b', raw: 'https://ext/b.img', gzip: 'https://ext/b.img.gz', archive: undefined, ca: 'external-ca' },
    ]);
    assert.deepEqual(volumeOffers({ internal: links.internal }).map((s) => s.ca), ['internal-ca']);
  });
});

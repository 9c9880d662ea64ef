import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ClusterError } from '../../errors.ts';
import { chooseVolumeSources, openDownload } from './download.ts';
import { startTestServer, type TestServer } from '../../testing/fake-apiserver.ts';

const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251));
const fast = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 5 };

describe('openDownload', () => {
  let server: TestServer;
  let cutOnce = true;
  before(async () => {
    server = await startTestServer((request, response, url) => {
      if (request.headers['x-kubevirt-export-token'] !== 'secret') {
        response.writeHead(401).end('bad token');
        return;
      }
      const range = /^bytes=(\d+)-$/.exec(String(request.headers.range ?? ''));
      if (url.pathname === '/no-length') {
        response.writeHead(200);
        response.write(payload);
        response.end();
        return;
      }
      if (range && url.pathname === '/resumable') {
        const start = Number(range[1]);
        response.writeHead(206, { 'content-length': String(payload.length - start), 'content-range': `bytes ${start}-${payload.length - 1}/${payload.length}` });
        response.end(payload.subarray(start));
        return;
      }
      response.writeHead(200, { 'content-length': String(payload.length) });
      if (cutOnce && url.pathname !== '/whole') {
        cutOnce = false;
        response.write(payload.subarray(0, 100_000), () => setTimeout(() => response.socket?.destroy(), 20));
        return;
      }
      response.end(payload);
    });
  });
  after(() => server.close());

  const source = (path: string) => ({ volume: 'disk', format: 'gzip' as const, url: `${server.url}${path}`, ca: undefined });
  const consume = async (chunks: AsyncIterable<Buffer>) => {
    const parts: Buffer[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    return Buffer.concat(parts);
  };

  it('streams the exact bytes with their sha256', async () => {
    const download = await openDownload(source('/whole'), { token: 'secret', retryPolicy: fast });
    assert.equal(download.size, payload.length);
    assert.deepEqual(await consume(download.chunks), payload);
    assert.equal(download.sha256(), createHash('sha256').update(payload).digest('hex'));
  });

  it('resumes with Range after the connection drops mid-body', async () => {
    cutOnce = true;
    let requests = 0;
    const download = await openDownload(source('/resumable'), { token: 'secret', retryPolicy: fast, onRequest: () => requests++ });
    assert.deepEqual(await consume(download.chunks), payload);
    assert.equal(requests, 2);
    assert.equal(download.sha256(), createHash('sha256').update(payload).digest('hex'));
  });

  it('fails clearly when the server cannot resume', async () => {
    cutOnce = true;
    const download = await openDownload(source('/plain'), { token: 'secret', retryPolicy: fast });
    await assert.rejects(consume(download.chunks), /cannot resume it/);
  });

  it('streams a body of unknown size, and refuses a rejected token', async () => {
    const streamed = await openDownload(source('/no-length'), { token: 'secret', retryPolicy: fast });
    assert.equal(streamed.size, undefined);
    assert.deepEqual(await consume(streamed.chunks), payload);
    await assert.rejects(openDownload(source('/whole'), { token: 'wrong', retryPolicy: fast }), (error: unknown) => error instanceof ClusterError && /HTTP 401/.test(error.message));
  });
});

describe('chooseVolumeSources', () => {
  it('prefers the external links and, per volume, gzip over raw over tar.gz', () => {
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
    assert.deepEqual(chooseVolumeSources(links), [
      { volume: 'a', format: 'tar.gz', url: 'https://ext/a.tar.gz', ca: 'external-ca' },
      { volume: 'b', format: 'gzip', url: 'https://ext/b.img.gz', ca: 'external-ca' },
    ]);
    assert.deepEqual(chooseVolumeSources({ internal: links.internal }).map((s) => s.ca), ['internal-ca']);
  });
});

// A verbatim copy with lent bytes (transform's data path): byte-identical output, and no buffer reused too early.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { FIXTURE_CHUNK_SIZE, goodV1alpha2Fixtures, writeFixture, type BundleFixture } from '../../../scripts/make-bad-bundles.ts';
import { makeTempDir } from '../../testing/temp-dir.ts';
import { openBundle, type OpenBundleOptions } from './bundle-reader.ts';
import { createBundleWriter } from './bundle-writer.ts';

/** The with-data fixture, its two volumes replaced by incompressible bytes: many distinct raw chunks, then the clone's. */
async function bundleFile(): Promise<{ path: string; bytes: Buffer }> {
  const fixture = goodV1alpha2Fixtures()[1] as BundleFixture;
  const volume = randomBytes(12 * FIXTURE_CHUNK_SIZE + 1000);
  const bytes = await writeFixture({ ...fixture, chunkSize: FIXTURE_CHUNK_SIZE, data: fixture.data.map((item) => ({ ...item, bytes: volume })) });
  const path = join(makeTempDir('kvbackup-copy-'), 'in.kvb');
  writeFileSync(path, bytes);
  return { path, bytes };
}

/** Collects what is written, calling back late (after later reads had the chance to reuse a buffer). */
function slowSink(): { out: Writable; bytes: () => Buffer } {
  const pieces: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      setTimeout(() => {
        pieces.push(Buffer.from(chunk));
        callback();
      }, 2);
    },
  });
  return { out, bytes: () => Buffer.concat(pieces) };
}

/** Reads `input` and writes every entry again as transform does, chunks lent to the writer. */
async function copy(input: Readable, options: OpenBundleOptions, out: Writable): Promise<{ lent: number; released: number }> {
  const reader = await openBundle(input, options);
  const writer = createBundleWriter(out);
  let lent = 0;
  let released = 0;
  try {
    const metadata = await reader.metadata();
    await writer.writeHeader(metadata.header);
    await writer.writeGraph(metadata.graph);
    for (const [index, { object }] of metadata.objects.entries()) await writer.writeObject(metadata.refs[index]!, object);
    for (const record of metadata.exports) await writer.writeExport(record);
    for await (const entry of reader.dataEntries()) {
      if (entry.kind === 'chunk') {
        const { parts, release } = await entry.borrowParts();
        lent += 1;
        await writer.copyChunk(entry.sha256, parts, {
          written: () => {
            released += 1;
            release();
          },
        });
      } else if (entry.kind === 'index') await writer.addVolumeIndex(entry.index);
    }
    await reader.finish();
    await writer.finish();
  } finally {
    reader.close();
  }
  return { lent, released };
}

describe('verbatim copy with lent bytes', () => {
  it('writes the bundle byte for byte from a file read in a few reused segments, each lent chunk released once', async () => {
    const { path, bytes } = await bundleFile();
    const sink = slowSink();
    const counts = await copy(createReadStream(path), { file: path, segments: { segmentBytes: 4096, poolSize: 2 } }, sink.out);
    assert.ok(sink.bytes().equals(bytes), 'the copy equals the input');
    assert.equal(counts.lent, 13);
    assert.equal(counts.released, counts.lent);
  });

  it('writes the same bytes from a stream (nothing lent, nothing reused)', async () => {
    const { path, bytes } = await bundleFile();
    const out = new PassThrough();
    const pieces: Buffer[] = [];
    out.on('data', (piece: Buffer) => pieces.push(piece));
    await copy(createReadStream(path), {}, out);
    assert.ok(Buffer.concat(pieces).equals(bytes));
  });

  it('releases a chunk the bundle already holds at once, and one written only after out took it', async () => {
    const { path } = await bundleFile();
    const reader = await openBundle(createReadStream(path), { file: path });
    const metadata = await reader.metadata();
    const events: string[] = [];
    const out = new Writable({
      write(_chunk, _encoding, callback) {
        events.push('out');
        callback();
      },
    });
    const writer = createBundleWriter(out);
    await writer.writeHeader(metadata.header);
    await writer.writeGraph(metadata.graph);
    for (const [index, { object }] of metadata.objects.entries()) await writer.writeObject(metadata.refs[index]!, object);
    for (const record of metadata.exports) await writer.writeExport(record);
    const iterator = reader.dataEntries();
    const first = (await iterator.next()).value;
    assert.equal(first?.kind, 'chunk');
    if (first?.kind !== 'chunk') return;
    const { parts } = await first.borrowParts();
    await writer.copyChunk(first.sha256, parts, { written: () => events.push('written') });
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(events.includes('written'));
    assert.ok(events.lastIndexOf('out') < events.indexOf('written'), `written after out took the bytes: ${events.join(' ')}`);
    let again = 0;
    assert.equal(await writer.copyChunk(first.sha256, parts, { written: () => (again += 1) }), false);
    assert.equal(again, 1, 'a chunk already stored is released at once');
    writer.abort();
    let failed = 0;
    await assert.rejects(writer.copyChunk('f'.repeat(64), parts, { written: () => (failed += 1) }));
    assert.equal(failed, 1, 'released when the writer has failed');
    reader.close();
  });
});

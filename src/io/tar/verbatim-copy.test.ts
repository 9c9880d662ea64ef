// A verbatim copy with lent bytes (transform's data path): byte-identical output, and no buffer reused too early.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { FIXTURE_CHUNK_SIZE, goodV1alpha2Fixtures, writeFixture, type BundleFixture } from '../../../scripts/make-bad-bundles.ts';
import { makeTempDir } from '../../testing/temp-dir.ts';
import { openBundle, type LentBytes, type OpenBundleOptions } from './bundle-reader.ts';
import { createBundleWriter } from './bundle-writer.ts';

/** The with-data fixture, its two volumes replaced by incompressible bytes: many distinct raw chunks, then the clone's. */
async function bundleFile(chunkSize = FIXTURE_CHUNK_SIZE): Promise<{ path: string; bytes: Buffer }> {
  const fixture = goodV1alpha2Fixtures()[1] as BundleFixture;
  const volume = randomBytes(12 * chunkSize + 1000);
  const bytes = await writeFixture({ ...fixture, chunkSize, data: fixture.data.map((item) => ({ ...item, bytes: volume })) });
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
async function copy(input: Readable, options: OpenBundleOptions, out: Writable): Promise<{ lent: number; released: number; chunks: number }> {
  const reader = await openBundle(input, options);
  const writer = createBundleWriter(out);
  let lent = 0;
  let released = 0;
  let chunks = 0;
  try {
    const metadata = await reader.metadata();
    await writer.writeHeader(metadata.header);
    await writer.writeGraph(metadata.graph);
    for (const [index, { object }] of metadata.objects.entries()) await writer.writeObject(metadata.refs[index]!, object);
    for (const record of metadata.exports) await writer.writeExport(record);
    for await (const entry of reader.dataEntries()) {
      if (entry.kind === 'chunk') {
        chunks += 1;
        await writer.copyChunkPieces(entry.sha256, entry.size, counted(entry.lendPieces()));
      } else if (entry.kind === 'index') await writer.addVolumeIndex(entry.index);
    }
    await reader.finish();
    await writer.finish();
  } finally {
    reader.close();
  }
  return { lent, released, chunks };

  /** The same pieces, each release counted. */
  async function* counted(pieces: AsyncIterable<LentBytes>): AsyncGenerator<LentBytes> {
    for await (const { bytes, release } of pieces) {
      lent += 1;
      let once = false;
      yield {
        bytes,
        release: () => {
          assert.equal(once, false, 'released once');
          once = true;
          released += 1;
          release();
        },
      };
    }
  }
}

describe('verbatim copy with lent bytes', () => {
  it('writes the bundle byte for byte from a file read in a few reused segments, each lent chunk released once', async () => {
    // Pieces of up to 128 KiB: large ones go to out as they are, small ones are copied; both paths are taken.
    const { path, bytes } = await bundleFile(256 * 1024);
    const sink = slowSink();
    const counts = await copy(createReadStream(path), { file: path, segments: { segmentBytes: 128 * 1024, poolSize: 2 } }, sink.out);
    assert.ok(sink.bytes().equals(bytes), 'the copy equals the input');
    assert.equal(counts.chunks, 13);
    assert.ok(counts.lent >= 12 * 2, `${counts.lent} pieces lent`);
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

  it('releases each piece after out wrote it, at once for a chunk the bundle already holds, and after a failure', async () => {
    // Chunks of 256 KiB read in 128 KiB segments: most pieces are large enough to be lent to out as they are.
    const { path } = await bundleFile(256 * 1024);
    const reader = await openBundle(createReadStream(path), { file: path, segments: { segmentBytes: 128 * 1024, poolSize: 2 } });
    const metadata = await reader.metadata();
    const events: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        events.push(`out ${chunk.byteLength}`);
        setTimeout(callback, 1);
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
    const bodies: Buffer[] = [];
    const pieces = async function* (): AsyncGenerator<LentBytes> {
      for await (const { bytes, release } of first.lendPieces()) {
        bodies.push(Buffer.from(bytes));
        yield { bytes, release: () => (events.push(`released ${bytes.byteLength}`), release()) };
      }
    };
    assert.equal(await writer.copyChunkPieces(first.sha256, first.size, pieces()), true);
    // The last pieces may still be on their way: a write behind them comes back after they are written.
    await new Promise((resolve) => out.write(Buffer.alloc(0), resolve));
    // A large piece went to out as it is and came back only after out took it; a small one was copied.
    const large = events.filter((event) => event.startsWith('released') && Number(event.split(' ')[1]) >= 64 * 1024);
    assert.ok(large.length >= 1, events.join(', '));
    for (const [index, event] of events.entries()) {
      const size = Number(event.split(' ')[1]);
      if (event.startsWith('released') && size >= 64 * 1024) assert.ok(events.slice(0, index).includes(`out ${size}`), `${event} before out wrote it: ${events.join(', ')}`);
    }
    const twice = [Buffer.from('already stored')];
    let again = 0;
    const repeat = async function* (): AsyncGenerator<LentBytes> {
      for (const bytes of twice) yield { bytes, release: () => (again += 1) };
    };
    assert.equal(await writer.copyChunkPieces(first.sha256, 14, repeat()), false);
    assert.equal(again, 1, 'a chunk already stored is released at once');
    writer.abort();
    let failed = 0;
    const late = async function* (): AsyncGenerator<LentBytes> {
      for (const bytes of [Buffer.alloc(70_000), Buffer.alloc(10)]) yield { bytes, release: () => (failed += 1) };
    };
    await assert.rejects(writer.copyChunkPieces('f'.repeat(64), 70_010, late()));
    assert.equal(failed, 2, 'every piece released when the writer has failed');
    assert.ok(Buffer.concat(bodies).byteLength === first.size);
    reader.close();
  });
});

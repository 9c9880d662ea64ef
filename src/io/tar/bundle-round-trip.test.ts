// Writer → reader (v1alpha2): documents and volumes come back exact, chunks deduplicated, bytes deterministic, data streamed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import tar from 'tar-stream';
import { FIXTURE_CHUNK_SIZE, fixtureVolume, goodV1alpha2Fixtures, writeFixture, type BundleFixture } from '../../../scripts/make-bad-bundles.ts';
import { volumeIndexPath, type BundleHeader, type ExportRecord, type VolumeIndex } from '../../bundle/index.ts';
import { VolumeChunker } from '../chunks/chunker.ts';
import { writeVolume } from '../chunks/write-volume.ts';
import { END_OF_ARCHIVE, padding, tarHeaderBlocks } from './tar-header.ts';
import { zstdCompressSync } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InputError, InternalError } from '../../errors.ts';
import { openBundle } from './bundle-reader.ts';
import { createBundleWriter } from './bundle-writer.ts';
import { readWholeBundle } from '../../testing/read-bundle.ts';

const [minimal, withData] = goodV1alpha2Fixtures() as [BundleFixture, BundleFixture];

const readAll = (bytes: Buffer) => readWholeBundle(Readable.from([bytes]));

async function tarHeaders(bytes: Buffer) {
  const headers = [];
  for await (const entry of tar.extract().end(bytes) as unknown as AsyncIterable<Readable & { header: tar.Header }>) {
    headers.push(entry.header);
    entry.resume();
  }
  return headers;
}

/** An export record listing volumes `names` of ns1 by their indexes. */
function record(names: string[]): ExportRecord {
  return { namespace: 'ns1', vmName: 'vm', exportName: 'e', phase: 'Ready', links: {}, data: names.map((volume) => ({ volume, format: 'raw', path: volumeIndexPath('ns1', volume) })) };
}

describe('bundle writer and reader', () => {
  for (const fixture of [minimal, withData]) {
    it(`reads back exactly what was written (${fixture.file})`, async () => {
      const bytes = await writeFixture(fixture);
      assert.ok(bytes[0] !== 0x1f, 'never gzipped as a whole');
      const { metadata, data, trailer } = await readAll(bytes);
      assert.deepEqual(metadata.header, fixture.header);
      assert.deepEqual(metadata.graph, fixture.graph);
      assert.deepEqual(
        metadata.objects,
        fixture.objects.map(({ object }, index) => ({ object, source: trailer.entries[index + 2]?.path })),
      );
      assert.deepEqual(metadata.refs, fixture.objects.map(({ ref }) => ref));
      assert.deepEqual(metadata.exports, fixture.exports.map(({ token: _token, ...record }) => record));
      assert.deepEqual(data, fixture.data);
    });
  }

  it('stores each chunk once, never a zero chunk, and lists every entry but the chunks in the trailer', async () => {
    const { indexes, trailer } = await readAll(await writeFixture(withData));
    const [disk, clone] = indexes as [VolumeIndex, VolumeIndex];
    assert.deepEqual(clone.extents, disk.extents, 'the clone names the same chunks');
    assert.deepEqual(
      disk.extents.map((extent) => ('zero' in extent ? 'zero' : extent.stored.compression)),
      ['zstd', 'zero', 'zstd', 'none'],
    );
    assert.equal(trailer.chunks?.count, 2, 'text once, the random tail once; zeros never');
    assert.ok(trailer.entries.every((entry) => !entry.path.startsWith('chunks/')));
    assert.deepEqual(trailer.entries.slice(-3).map((entry) => entry.path), ['exports/ns1/vm1.json.zst', 'volumes/ns1/disk1/index.json.zst', 'volumes/ns1/disk1-clone/index.json.zst']);
  });

  it('writes the same bytes for the same input', async () => {
    for (const fixture of [minimal, withData]) assert.deepEqual(await writeFixture(fixture), await writeFixture(fixture));
  });

  it('writes fixed tar headers: regular files, mode 0644, uid/gid 0, no owner names, mtime from createdAt; metadata zstd, header and trailer plain', async () => {
    const bytes = await writeFixture(withData);
    const headers = await tarHeaders(bytes);
    const names = headers.map((header) => header.name);
    assert.deepEqual(names.slice(0, 2), ['kvbackup.json', 'graph.json.zst']);
    assert.equal(names.at(-1), 'trailer.json');
    assert.ok(names.filter((name) => name.startsWith('objects/')).every((name) => name.endsWith('.json.zst')));
    assert.equal(names.filter((name) => /^chunks\/sha256\/[0-9a-f]{64}$/.test(name)).length, 2);
    assert.ok(bytes.includes(Buffer.from('{"format":"kubectl-kvbackup","formatVersion":"v1alpha2"')), 'the header is plain JSON');
    for (const header of headers) {
      assert.equal(header.type, 'file');
      assert.equal(header.mode, 0o644);
      assert.equal(header.uid, 0);
      assert.equal(header.gid, 0);
      assert.equal(header.uname, '');
      assert.equal(header.gname, '');
      assert.equal(header.mtime.toISOString(), '2025-01-02T03:04:05.000Z');
    }
  });

  it('keeps the export token only when asked', async () => {
    const write = async (includeToken: boolean) => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (chunk: Buffer) => chunks.push(chunk));
      const writer = createBundleWriter(out, { includeToken });
      await writer.writeHeader({ ...minimal.header, contents: { objects: 0, exports: 1, data: 0 } });
      await writer.writeGraph({ nodes: [], edges: [] });
      await writer.writeExport({ ...(withData.exports[0] as ExportRecord), token: 'not-written-unless-asked', data: [] });
      await writer.finish();
      return (await readAll(Buffer.concat(chunks))).metadata.exports[0]?.token;
    };
    assert.equal(await write(false), undefined);
    assert.equal(await write(true), 'not-written-unless-asked');
  });

  it('streams a 64 MiB volume through writer and reader with backpressure, holding a few chunks at a time', async () => {
    const size = 64 * 1024 * 1024;
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    async function* source() {
      while (produced < size) {
        // Incompressible, so what the writer buffers (stored bytes) is what the producer made.
        const chunk = randomBytes(1024 * 1024);
        produced += chunk.byteLength;
        maxAhead = Math.max(maxAhead, produced - consumed);
        yield chunk;
      }
    }
    const pipe = new PassThrough();
    const header: BundleHeader = { ...minimal.header, contents: { objects: 0, exports: 1, data: 1 } };
    const writing = (async () => {
      const writer = createBundleWriter(pipe);
      await writer.writeHeader(header);
      await writer.writeGraph({ nodes: [], edges: [] });
      await writer.writeExport(record(['big']));
      const index = await writeVolume(writer, { namespace: 'ns1', volume: 'big', size }, source());
      await writer.finish();
      return index;
    })();
    const reader = await openBundle(pipe);
    await reader.metadata();
    let chunks = 0;
    for await (const entry of reader.dataEntries()) {
      if (entry.kind !== 'chunk') continue;
      chunks += 1;
      consumed += 1024 * 1024;
      await entry.read();
    }
    const trailer = await reader.finish();
    const index = await writing;
    assert.equal(chunks, 64);
    assert.equal(index.size, size);
    assert.equal(trailer.chunks?.count, 64);
    // Backpressure keeps the producer within a few chunks of the consumer: nowhere near the volume's size.
    assert.ok(maxAhead < 16 * 1024 * 1024, `producer ran ${maxAhead} bytes ahead of the consumer`);
  });

  it('lets the caller skip data, or leave it unread, and still checks it', async () => {
    const bytes = await writeFixture(withData);
    const skipping = await openBundle(Readable.from([bytes]));
    await skipping.metadata();
    for await (const entry of skipping.dataEntries()) await entry.skip();
    assert.equal((await skipping.finish()).entries.length, 9);
    const ignoring = await openBundle(Readable.from([bytes]));
    await ignoring.metadata();
    assert.equal((await ignoring.finish()).entries.length, 9);
  });

  it('deduplicates chunks added concurrently by two volumes', async () => {
    const out = new PassThrough();
    const collected: Buffer[] = [];
    out.on('data', (chunk: Buffer) => collected.push(chunk));
    const writer = createBundleWriter(out);
    await writer.writeHeader({ ...minimal.header, contents: { objects: 0, exports: 1, data: 2 } });
    await writer.writeGraph({ nodes: [], edges: [] });
    await writer.writeExport(record(['a', 'b']));
    const volume = fixtureVolume();
    await Promise.all(['a', 'b'].map((name) => writeVolume(writer, { namespace: 'ns1', volume: name, chunkSize: FIXTURE_CHUNK_SIZE }, [volume])));
    const trailer = await writer.finish();
    assert.equal(trailer.chunks?.count, 2);
    const { data } = await readAll(Buffer.concat(collected));
    assert.deepEqual(data.map((item) => item.bytes.equals(volume)), [true, true]);
  });

  /** A bundle of one volume of two chunks, the second only named, with `base` marked as stored by the base bundle. */
  async function incremental(base: BundleHeader['backup']): Promise<Buffer> {
    const out = new PassThrough();
    const collected: Buffer[] = [];
    out.on('data', (chunk: Buffer) => collected.push(chunk));
    const writer = createBundleWriter(out);
    await writer.writeHeader({ ...minimal.header, contents: { objects: 0, exports: 1, data: 1 }, ...(base ? { backup: base } : {}) });
    await writer.writeGraph({ nodes: [], edges: [] });
    await writer.writeExport(record(['disk']));
    const chunker = new VolumeChunker({ namespace: 'ns1', volume: 'disk', chunkSize: FIXTURE_CHUNK_SIZE, store: writer });
    await chunker.write(randomBytes(FIXTURE_CHUNK_SIZE));
    const own = await chunker.finish();
    const inBase = createHash('sha256').update('elsewhere').digest('hex');
    const first = own.extents[0] as Extract<VolumeIndex['extents'][number], { sha256: string }>;
    await writer.addVolumeIndex({
      namespace: 'ns1',
      volume: 'disk',
      size: 2 * FIXTURE_CHUNK_SIZE,
      chunkSize: FIXTURE_CHUNK_SIZE,
      format: 'raw',
      extents: [first, { offset: FIXTURE_CHUNK_SIZE, length: FIXTURE_CHUNK_SIZE, sha256: inBase, stored: { size: 10, sha256: inBase, compression: 'zstd' }, base: true }],
    });
    await writer.finish();
    return Buffer.concat(collected);
  }

  it('writes and reads an incremental index whose unchanged chunk is in the base, only when the header names a base', async () => {
    const chain = { type: 'Incremental' as const, chainPosition: 1, base: { digest: 'a'.repeat(64) }, vms: [] };
    const indexesOf = async (bytes: Buffer) => {
      const reader = await openBundle(Readable.from([bytes]));
      await reader.metadata();
      const indexes: VolumeIndex[] = [];
      for await (const entry of reader.dataEntries()) if (entry.kind === 'index') indexes.push(entry.index);
      await reader.finish();
      return indexes;
    };
    const [index] = await indexesOf(await incremental(chain));
    assert.deepEqual(index?.extents.map((extent) => 'base' in extent), [false, true]);
    assert.equal(index?.sha256, undefined, 'an incremental index has no whole-volume sha256');
    await assert.rejects(indexesOf(await incremental(undefined)), /extent at offset \d+ is in the base, but the header names no base bundle/);
  });
});

describe('bundle reader limits', () => {
  it('bounds the JSON entries together, from their tar headers', async () => {
    const bytes = await writeFixture(minimal);
    const reader = await openBundle(Readable.from([bytes]), { limits: { maxMetadataBytes: 2048 } });
    await assert.rejects(reader.metadata(), /^BundleInputError: bundle entry objects\/.*: JSON entries total over the 2 KiB limit$/);
  });

  it('bounds the number of entries', async () => {
    const reader = await openBundle(Readable.from([await writeFixture(minimal)]), { limits: { maxEntries: 3 } });
    await assert.rejects(reader.metadata(), /bundle entry objects\/core\/PersistentVolumeClaim\/ns1\/disk1.json.zst: more than 3 entries/);
  });
});

describe('bundle reader bounds for a hostile bundle', () => {
  /** A v1alpha2 bundle from raw entries: the header first, then whatever follows (no trailer needed to be refused). */
  async function rawBundle(entries: { name: string; body: Buffer }[]): Promise<Buffer> {
    const header = Buffer.from(`${JSON.stringify({ ...minimal.header, contents: { objects: 0, exports: 0, data: 0 } })}\n`);
    const blocks: Buffer[] = [];
    for (const { name, body } of [{ name: 'kvbackup.json', body: header }, ...entries]) {
      blocks.push(tarHeaderBlocks({ name, size: body.length, mtime: 0 }), body, padding(body.length));
    }
    return Buffer.concat([...blocks, END_OF_ARCHIVE]);
  }

  it('stops a zstd bomb at the JSON entry bound, counted decompressed', async () => {
    const bomb = zstdCompressSync(Buffer.alloc(64 * 1024, 0x20));
    assert.ok(bomb.length < 100, 'small on the wire');
    const reader = await openBundle(Readable.from([await rawBundle([{ name: 'graph.json.zst', body: bomb }])]), { limits: { maxJsonEntryBytes: 4096 } });
    await assert.rejects(reader.metadata(), /^BundleInputError: bundle entry graph\.json\.zst: zstd data decompresses to more than 4096 bytes$/);
  });

  it('counts JSON decompressed against the metadata bound', async () => {
    const graph = zstdCompressSync(Buffer.from(`${JSON.stringify({ nodes: [], edges: [], pad: ' '.repeat(3000) })}\n`));
    const reader = await openBundle(Readable.from([await rawBundle([{ name: 'graph.json.zst', body: graph }])]), { limits: { maxMetadataBytes: 2048 } });
    await assert.rejects(reader.metadata(), /^BundleInputError: bundle entry graph\.json\.zst: JSON entries total over the 2 KiB limit$/);
  });

  it('bounds the number of chunks', async () => {
    const reader = await openBundle(Readable.from([await writeFixture(withData)]), { limits: { maxChunks: 1 } });
    await reader.metadata();
    await assert.rejects(
      (async () => {
        for await (const entry of reader.dataEntries()) await entry.skip();
      })(),
      /bundle entry chunks\/sha256\/[0-9a-f]{64}: more than 1 chunks/,
    );
  });

  it('keeps about 200 bytes per chunk entry, whatever the chunks hold', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const count = 40_000;
    const chunks = Array.from({ length: count }, (_, i) => ({ name: `chunks/sha256/${createHash('sha256').update(String(i)).digest('hex')}`, body: Buffer.from([i & 0xff]) }));
    const bytes = await rawBundle([{ name: 'graph.json.zst', body: zstdCompressSync(Buffer.from('{"nodes":[],"edges":[]}\n')) }, ...chunks]);
    const reader = await openBundle(Readable.from([bytes]), { onProblem: () => {} });
    await reader.metadata();
    // The heap after the first half and after all: the slope is what each further chunk costs, free of the fixed
    // costs (code compiled on first use, the reader's own state) that a single measurement would spread over them.
    const heap: number[] = [];
    let seen = 0;
    for await (const entry of reader.dataEntries()) {
      await entry.skip();
      seen += 1;
      if (seen === count / 2 || seen === count) {
        gc();
        heap.push(process.memoryUsage().heapUsed);
      }
    }
    reader.close();
    assert.equal(seen, count);
    const perChunk = ((heap[1] ?? 0) - (heap[0] ?? 0)) / (count / 2);
    // About 170 bytes measured alone; up to ~420 while other test processes load the machine (GC timing).
    assert.ok(perChunk < 600, `${perChunk.toFixed(0)} bytes held per chunk`);
  });
});

describe('bundle writer rules', () => {
  function writer() {
    const out = new PassThrough();
    out.resume();
    return createBundleWriter(out);
  }

  it('enforces the entry order', async () => {
    const w = writer();
    await assert.rejects(w.writeGraph({ nodes: [], edges: [] }), (error: unknown) => error instanceof InternalError && /expected the header/.test(error.message));
  });

  it('enforces sorted objects', async () => {
    const w = writer();
    await w.writeHeader({ ...minimal.header, contents: { objects: 2, exports: 0, data: 0 } });
    await w.writeGraph({ nodes: [], edges: [] });
    const [first, second] = minimal.objects as [BundleFixture['objects'][0], BundleFixture['objects'][0]];
    await w.writeObject(second.ref, second.object);
    await assert.rejects(w.writeObject(first.ref, first.object), /out of order/);
  });

  it('refuses an object whose identity differs from its ref, and schema-invalid documents', async () => {
    const w = writer();
    await assert.rejects(w.writeHeader({ ...minimal.header, createdAt: 'now' }), (error: unknown) => error instanceof InputError && /createdAt/.test(error.message));
    const v = writer();
    await v.writeHeader(minimal.header);
    await v.writeGraph(minimal.graph);
    const [first] = minimal.objects as [BundleFixture['objects'][0]];
    await assert.rejects(v.writeObject({ ...first.ref, name: 'other' }, first.object), /holds ConfigMap ns1\/cm1, not ConfigMap ns1\/other/);
  });

  it('refuses an index naming a chunk it was not given, and an index no export record lists', async () => {
    const w = writer();
    await w.writeHeader({ ...minimal.header, contents: { objects: 0, exports: 1, data: 1 } });
    await w.writeGraph({ nodes: [], edges: [] });
    await w.writeExport(record(['d']));
    const sha256 = createHash('sha256').update('x').digest('hex');
    const index: VolumeIndex = { namespace: 'ns1', volume: 'd', size: 1, sha256, chunkSize: FIXTURE_CHUNK_SIZE, format: 'raw', extents: [{ offset: 0, length: 1, sha256, stored: { size: 1, sha256, compression: 'none' } }] };
    await assert.rejects(w.addVolumeIndex(index), /names chunk [0-9a-f]{64}, which was not added before the index/);
    await assert.rejects(w.finish(), /was not added/, 'the writer stays failed');
    const v = writer();
    await v.writeHeader({ ...minimal.header, contents: { objects: 0, exports: 0, data: 1 } });
    await v.writeGraph({ nodes: [], edges: [] });
    await assert.rejects(writeVolume(v, { namespace: 'ns1', volume: 'd' }, [Buffer.from('abcd')]), /volume index not listed in any export record/);
  });

  it('refuses an index whose extents do not cover the volume', async () => {
    const w = writer();
    await w.writeHeader({ ...minimal.header, contents: { objects: 0, exports: 1, data: 1 } });
    await w.writeGraph({ nodes: [], edges: [] });
    await w.writeExport(record(['d']));
    const index: VolumeIndex = { namespace: 'ns1', volume: 'd', size: 2 * FIXTURE_CHUNK_SIZE, sha256: 'a'.repeat(64), chunkSize: FIXTURE_CHUNK_SIZE, format: 'raw', extents: [{ offset: 0, length: FIXTURE_CHUNK_SIZE, zero: true }] };
    await assert.rejects(w.addVolumeIndex(index), /extents cover 65536 bytes but the volume size is 131072/);
  });

  it('refuses to finish when the header counts differ from what was written', async () => {
    const w = writer();
    await w.writeHeader({ ...minimal.header, contents: { objects: 1, exports: 0, data: 0 } });
    await w.writeGraph({ nodes: [], edges: [] });
    await assert.rejects(w.finish(), /contents.objects is 1 but 0 were written/);
  });

  it('refuses a JSON entry over the bound', async () => {
    const out = new PassThrough();
    out.resume();
    const w = createBundleWriter(out, { limits: { maxJsonEntryBytes: 100 } });
    await assert.rejects(w.writeHeader(minimal.header), /bundle entry kvbackup.json: .* is over the 100 B limit/);
  });
});

// Writer → reader: documents and data come back exact, bytes are deterministic, tar headers fixed, data streamed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { goodFixtures, writeFixture, type BundleFixture } from '../../../scripts/make-bad-bundles.ts';
import { dataPath, type BundleHeader } from '../../bundle/index.ts';
import { InputError, InternalError } from '../../errors.ts';
import { openBundle } from './bundle-reader.ts';
import { createBundleWriter } from './bundle-writer.ts';
import { readWholeBundle } from '../../testing/read-bundle.ts';

const [minimal, withExport] = goodFixtures() as [BundleFixture, BundleFixture, BundleFixture];

const readAll = (bytes: Buffer) => readWholeBundle(Readable.from([bytes]));

async function tarHeaders(bytes: Buffer) {
  const headers = [];
  for await (const entry of tar.extract().end(bytes) as unknown as AsyncIterable<Readable & { header: tar.Header }>) {
    headers.push(entry.header);
    entry.resume();
  }
  return headers;
}

describe('bundle writer and reader', () => {
  for (const fixture of [minimal, withExport]) {
    it(`reads back exactly what was written (${fixture.file})`, async () => {
      const bytes = await writeFixture(fixture);
      assert.equal(bytes[0] === 0x1f && bytes[1] === 0x8b, fixture.gzip);
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
      for (const item of fixture.data) {
        const listed = trailer.entries.find((entry) => entry.path === item.path);
        assert.equal(listed?.sha256, createHash('sha256').update(item.bytes).digest('hex'));
        assert.equal(listed?.size, item.bytes.byteLength);
      }
    });
  }

  it('writes the same bytes for the same input, tar and gzip', async () => {
    for (const fixture of [minimal, withExport]) {
      assert.deepEqual(await writeFixture(fixture), await writeFixture(fixture));
    }
  });

  it('writes fixed tar headers: regular files, mode 0644, uid/gid 0, no owner names, mtime from createdAt', async () => {
    const bytes = gunzipSync(await writeFixture(withExport));
    const headers = await tarHeaders(bytes);
    assert.deepEqual(
      headers.map((header) => header.name),
      ['kvbackup.json', 'graph.json', ...minimal.objects.map((_, i) => headers[i + 2]?.name), 'exports/ns1/vm1.json', 'data/ns1/disk1/disk.img.gz', 'trailer.json'],
    );
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

  it('writes a gzip header with mtime 0', async () => {
    const bytes = await writeFixture(withExport);
    assert.deepEqual([...bytes.subarray(4, 8)], [0, 0, 0, 0]);
  });

  it('keeps the export token only when asked', async () => {
    const write = async (includeToken: boolean) => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (chunk: Buffer) => chunks.push(chunk));
      const writer = createBundleWriter(out, { includeToken });
      await writer.writeHeader({ ...minimal.header, contents: { objects: 0, exports: 1, data: 0 } });
      await writer.writeGraph({ nodes: [], edges: [] });
      await writer.writeExport({ ...(withExport.exports[0] as NonNullable<(typeof withExport.exports)[0]>), data: [] });
      await writer.finish();
      return (await readAll(Buffer.concat(chunks))).metadata.exports[0]?.token;
    };
    assert.equal(await write(false), undefined);
    assert.equal(await write(true), 'not-written-unless-asked');
  });

  it('streams a 64 MiB data entry through without holding it', async () => {
    const size = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    async function* source() {
      while (produced < size) {
        produced += chunk.byteLength;
        maxAhead = Math.max(maxAhead, produced - consumed);
        yield chunk;
      }
    }
    const pipe = new PassThrough();
    const path = dataPath('ns1', 'big', 'raw');
    const header: BundleHeader = { ...minimal.header, contents: { objects: 0, exports: 1, data: 1 } };
    const writing = (async () => {
      // Plain tar, so the bytes in flight between writer and reader are data bytes (gzip would hide them).
      const writer = createBundleWriter(pipe);
      await writer.writeHeader(header);
      await writer.writeGraph({ nodes: [], edges: [] });
      await writer.writeExport({ namespace: 'ns1', vmName: 'vm', exportName: 'e', phase: 'Ready', links: {}, data: [{ volume: 'big', format: 'raw', path, size }] });
      await writer.writeData(path, source(), size);
      return writer.finish();
    })();
    const reader = await openBundle(pipe);
    await reader.metadata();
    const hash = createHash('sha256');
    for await (const entry of reader.dataEntries()) {
      assert.equal(entry.size, size);
      for await (const piece of entry.stream) {
        consumed += (piece as Buffer).byteLength;
        hash.update(piece as Buffer);
      }
    }
    const trailer = await reader.finish();
    await writing;
    assert.equal(consumed, size);
    assert.equal(trailer.entries.find((entry) => entry.path === path)?.sha256, hash.digest('hex'));
    // Backpressure keeps the producer within a few buffers of the consumer: nowhere near the entry's size.
    assert.ok(maxAhead < 8 * 1024 * 1024, `producer ran ${maxAhead} bytes ahead of the consumer`);
  });

  it('lets the caller skip data, or leave it unread, and still checks it', async () => {
    const bytes = await writeFixture(withExport);
    const skipping = await openBundle(Readable.from([bytes]));
    await skipping.metadata();
    for await (const entry of skipping.dataEntries()) await entry.skip();
    assert.equal((await skipping.finish()).entries.length, 8);
    const ignoring = await openBundle(Readable.from([bytes]));
    await ignoring.metadata();
    assert.equal((await ignoring.finish()).entries.length, 8);
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
    await assert.rejects(reader.metadata(), /bundle entry objects\/core\/PersistentVolumeClaim\/ns1\/disk1.json: more than 3 entries/);
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

  it('refuses data of the wrong length and data no export record lists', async () => {
    const path = dataPath('ns1', 'd', 'raw');
    const w = writer();
    await w.writeHeader({ ...minimal.header, contents: { objects: 0, exports: 1, data: 1 } });
    await w.writeGraph({ nodes: [], edges: [] });
    await w.writeExport({ namespace: 'ns1', vmName: 'vm', exportName: 'e', phase: 'Ready', links: {}, data: [{ volume: 'd', format: 'raw', path, size: 4 }] });
    await assert.rejects(w.writeData(path, Readable.from([Buffer.from('abc')]), 4), /data is 3 bytes, declared 4/);
    await assert.rejects(w.finish(), /data is 3 bytes/, 'the writer stays failed');
    const v = writer();
    await v.writeHeader({ ...minimal.header, contents: { objects: 0, exports: 0, data: 1 } });
    await v.writeGraph({ nodes: [], edges: [] });
    await assert.rejects(v.writeData(path, Readable.from([Buffer.from('abcd')]), 4), /not listed in any export record/);
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

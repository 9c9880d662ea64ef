// The committed testdata bundles: good ones read back to their documents, each bad one fails with one line naming the entry.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { badBundles, badV1alpha2Bundles, goodFixtures, writeFixture } from '../../../scripts/make-bad-bundles.ts';
import { ChunkCollector } from '../chunks/chunk-source.ts';
import { readVolume } from '../chunks/read-volume.ts';
import { BundleInputError } from '../../bundle/index.ts';
import { InputError } from '../../errors.ts';
import { readWholeBundle } from '../../testing/read-bundle.ts';
import { openBundle, type OpenBundleOptions } from './bundle-reader.ts';
import { fileURLToPath } from 'node:url';

/** Read from the file in segments of one tar block with two buffers to reuse: every entry spans segments. */
const tinySegments = (url: URL): OpenBundleOptions => ({ file: fileURLToPath(url), segments: { segmentBytes: 512, poolSize: 2 } });

const root = new URL('../../../testdata/bundles/', import.meta.url);

/**
 * Reads a whole bundle as restore does: metadata, every data entry consumed, each v1alpha2 volume rebuilt from its
 * chunks (spooled, as from a pipe) with every chunk verified, then the trailer.
 */
async function readBundle(input: Readable, options: OpenBundleOptions = {}): Promise<void> {
  const reader = await openBundle(input, options);
  const chunks = new ChunkCollector();
  try {
    await reader.metadata();
    for await (const entry of reader.dataEntries()) {
      if (entry.kind === 'file') for await (const _chunk of entry.stream) void _chunk;
      else if (entry.kind === 'chunk') await chunks.add(entry);
      else for await (const _piece of readVolume(entry.index, chunks, { path: entry.path })) void _piece;
    }
    await reader.finish();
  } finally {
    reader.close();
    await chunks.close();
  }
}

/** Each bad bundle and the one-line message it must fail with. */
const BAD: Record<string, RegExp> = {
  'abs-path.tar': /^bundle entry \/etc\/passwd: absolute path$/,
  'dotdot.tar': /^bundle entry objects\/\.\.\/\.\.\/etc\/passwd: "\.\." in entry name$/,
  'pax-dotdot.tar': /^bundle entry objects\/\.\.\/é\.json: "\.\." in entry name$/,
  'gnu-longname-dotdot.tar': /^bundle entry objects\/\.\.\/\.\.\/x{120}\.json: "\.\." in entry name$/,
  'backslash.tar': /^bundle entry "objects\\\\core\\\\ConfigMap\\\\ns1\\\\cm1\.json": backslash in entry name$/,
  'symlink.tar': /^bundle entry objects\/core\/ConfigMap\/ns1\/cm1\.json: symbolic link not allowed \(regular files only\)$/,
  'hardlink.tar': /^bundle entry objects\/core\/ConfigMap\/ns1\/cm1\.json: hard link not allowed/,
  'device.tar': /^bundle entry objects\/core\/ConfigMap\/ns1\/cm1\.json: character device not allowed/,
  'fifo.tar': /^bundle entry objects\/core\/ConfigMap\/ns1\/cm1\.json: FIFO not allowed/,
  'directory.tar': /^bundle entry objects\/: directory not allowed/,
  'truncated.tar': /^bundle entry graph\.json: truncated \(unexpected end of data\)$/,
  'truncated-gzip.tar.gz': /^bundle entry trailer\.json: truncated \(unexpected end of file\)$/,
  'tampered.tar': /^bundle entry objects\/core\/ConfigMap\/ns1\/cm1\.json: sha256 mismatch$/,
  'missing-header.tar': /^bundle entry graph\.json: expected the header kvbackup\.json first/,
  'missing-trailer.tar': /^bundle: no trailer trailer\.json/,
  'header-not-first.tar': /^bundle entry graph\.json: expected the header kvbackup\.json first/,
  'unknown-version.tar': /^bundle entry kvbackup\.json: unsupported bundle version v9 \(this tool reads v1alpha1 and v1alpha2\)$/,
  'oversize-entry.tar': /^bundle entry objects\/core\/ConfigMap\/ns1\/big\.json: 100 MiB is over the 64 MiB limit for a JSON entry$/,
  'duplicate-entry.tar': /^bundle entry objects\/kubevirt\.io\/VirtualMachine\/ns1\/vm1\.json: duplicate entry$/,
  'extra-entry-after-trailer.tar': /^bundle entry objects\/core\/Secret\/ns1\/late\.json: entry after the trailer/,
  'bad-json.tar': /^bundle entry objects\/core\/ConfigMap\/ns1\/cm1\.json: invalid JSON: /,
  'schema-invalid-object.tar': /^bundle entry objects\/core\/ConfigMap\/ns1\/cm1\.json: does not match schema object-manifest\.v1alpha1: \/metadata must have required property 'name'$/,
  'unknown-entry.tar': /^bundle entry notes\.txt: unknown entry/,
  'objects-out-of-order.tar': /^bundle entry objects\/core\/Secret\/ns1\/cloudinit\.json: out of order/,
  'not-a-tar.tar': /^bundle: not a readable tar or tar\.gz bundle/,
  'empty.tar': /^bundle: no header kvbackup\.json/,
  'data-not-listed.tar': /^bundle entry data\/ns1\/disk1\/disk\.img: data entry not listed in any export record$/,
  'export-path-mismatch.tar': /^bundle entry exports\/ns1\/other\.json: holds the record of ns1\/vm1, not ns1\/other/,
  'v2-corrupt-chunk.kvb': /^bundle entry chunks\/sha256\/[0-9a-f]{64}: content sha256 is [0-9a-f]{64}, not the digest its name says \(corrupt chunk\)$/,
  'v2-tampered-chunk.kvb': /^bundle entry chunks\/sha256\/[0-9a-f]{64}: stored bytes have sha256 [0-9a-f]{64}, but volumes\/ns1\/disk1\/index\.json\.zst says [0-9a-f]{64} \(corrupt chunk\)$/,
  'v2-missing-chunk.kvb': /^bundle entry volumes\/ns1\/disk1\/index\.json\.zst: names chunk [0-9a-f]{64} \(offset 131072\), which the bundle does not hold before this index$/,
  'v2-unknown-digest.kvb': /^bundle entry volumes\/ns1\/disk1\/index\.json\.zst: names chunk e{64} \(offset 0\), which the bundle does not hold before this index$/,
  'v2-extents-out-of-order.kvb': /^bundle entry volumes\/ns1\/disk1\/index\.json\.zst: extent 0 \(offset 65536\) leaves a gap \(the previous extent ends at 0\)$/,
  'v2-extents-overlap.kvb': /^bundle entry volumes\/ns1\/disk1\/index\.json\.zst: extent 1 \(offset 65535\) overlaps or is out of order \(the previous extent ends at 65536\)$/,
  'v2-index-total.kvb': /^bundle entry volumes\/ns1\/disk1\/index\.json\.zst: extents cover 132072 bytes but the volume size is 132071$/,
  'v2-zero-chunk-stored.kvb': /^bundle entry chunks\/sha256\/[0-9a-f]{64}: an all-zero chunk is stored, but zero extents \(as at offset 65536 of volumes\/ns1\/disk1\/index\.json\.zst\) store nothing$/,
  'v2-duplicate-chunk.kvb': /^bundle entry chunks\/sha256\/[0-9a-f]{64}: duplicate chunk entry \(each chunk is stored once\)$/,
  'v2-oversize-chunk.kvb': /^bundle entry chunks\/sha256\/d{64}: 17 MiB is over the 16 MiB limit for a chunk$/,
};

describe('testdata bundles', () => {
  it('has exactly the bad bundles the table expects, each a few KB', () => {
    const files = readdirSync(new URL('bad/', root)).sort();
    assert.deepEqual(files, Object.keys(BAD).sort());
    for (const file of files) assert.ok(readFileSync(new URL(`bad/${file}`, root)).byteLength < 16 * 1024, file);
  });

  for (const [file, message] of Object.entries(BAD)) {
    it(`rejects bad/${file} with one line naming the entry`, async () => {
      await assert.rejects(readBundle(createReadStream(new URL(`bad/${file}`, root))), (error: unknown) => {
        assert.ok(error instanceof InputError, `an InputError, got ${String(error)}`);
        assert.ok(error instanceof BundleInputError);
        assert.doesNotMatch(error.message, /\n/);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  for (const [file, message] of Object.entries(BAD)) {
    it(`rejects bad/${file} the same way when it reads the file in reused segments`, async () => {
      const url = new URL(`bad/${file}`, root);
      await assert.rejects(readBundle(createReadStream(url), tinySegments(url)), (error: unknown) => {
        assert.ok(error instanceof BundleInputError, `a BundleInputError, got ${String(error)}`);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('names the bundle in messages when the caller does', async () => {
    const reader = await openBundle(createReadStream(new URL('bad/tampered.tar', root)), 'backup.tar');
    await reader.metadata();
    await assert.rejects(reader.finish(), /^BundleInputError: backup\.tar: bundle entry objects\/core\/ConfigMap\/ns1\/cm1\.json: sha256 mismatch$/);
  });

  for (const fixture of goodFixtures()) {
    it(`reads good/${fixture.file} back to its documents`, async () => {
      const { metadata, data } = await readWholeBundle(createReadStream(new URL(`good/${fixture.file}`, root)));
      assert.deepEqual(metadata.header, fixture.header);
      assert.deepEqual(metadata.graph, fixture.graph);
      assert.deepEqual(metadata.objects.map((sourced) => sourced.object), fixture.objects.map(({ object }) => object));
      assert.deepEqual(metadata.exports, fixture.exports.map(({ token: _token, ...record }) => record));
      assert.deepEqual(data, fixture.data);
    });
  }

  for (const fixture of goodFixtures()) {
    it(`reads good/${fixture.file} back the same from the file in reused segments`, async () => {
      const url = new URL(`good/${fixture.file}`, root);
      const fromStream = await readWholeBundle(createReadStream(url));
      const fromFile = await readWholeBundle(createReadStream(url), tinySegments(url));
      assert.deepEqual(fromFile, fromStream);
    });
  }

  it('matches what scripts/make-bad-bundles.ts generates (run it after changing the format)', async () => {
    for (const fixture of goodFixtures()) {
      assert.ok(readFileSync(new URL(`good/${fixture.file}`, root)).equals(await writeFixture(fixture)), `good/${fixture.file} is stale`);
    }
    for (const bad of [...(await badBundles()), ...(await badV1alpha2Bundles())]) {
      assert.ok(readFileSync(new URL(`bad/${bad.file}`, root)).equals(bad.bytes), `bad/${bad.file} is stale`);
    }
  });

  it('reads a bundle from a stream that arrives one byte at a time', async () => {
    const bytes = readFileSync(new URL('good/with-export.tar.gz', root));
    async function* trickle() {
      for (let i = 0; i < bytes.byteLength; i += 1) yield bytes.subarray(i, i + 1);
    }
    await readBundle(Readable.from(trickle()));
  });
});

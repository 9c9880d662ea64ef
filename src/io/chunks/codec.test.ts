// Chunk encoding: the sampled raw-or-zstd decision keeps every chunk decodable and compresses what is worth it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { decodeChunk, encodeChunk, MIN_COMPRESSION_SAVING, SAMPLE_SLICE_BYTES, SAMPLE_SLICES, worthCompressing, zstdEncode } from './codec.ts';

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const text = (length: number) => Buffer.from('a disk block of log lines, config files and binaries\n'.repeat(Math.ceil(length / 53))).subarray(0, length);

/** Encodes, then decodes and checks the chunk as restore does. */
async function roundTrip(bytes: Buffer) {
  const encoded = await encodeChunk(bytes);
  assert.equal(encoded.sha256, sha256(bytes));
  assert.equal(encoded.storedSha256, sha256(encoded.stored));
  const decoded = await decodeChunk(encoded.stored, { sha256: encoded.sha256, length: bytes.byteLength, compression: encoded.compression });
  assert.ok(typeof decoded !== 'string', String(decoded));
  assert.ok(Buffer.from(decoded).equals(bytes));
  return encoded;
}

describe('worthCompressing', () => {
  it('refuses incompressible bytes and accepts compressible ones', () => {
    assert.equal(worthCompressing(randomBytes(MiB)), false);
    assert.equal(worthCompressing(text(MiB)), true);
    assert.equal(worthCompressing(Buffer.alloc(MiB, 7)), true);
  });

  it('always tries a chunk too small to sample', () => {
    assert.equal(worthCompressing(randomBytes(2 * SAMPLE_SLICES * SAMPLE_SLICE_BYTES)), true);
  });

  it('sees a compressible region wherever it lies, once it spans the slice spacing plus a slice', async () => {
    const spacing = MiB / SAMPLE_SLICES;
    for (const start of [0, 100_000, 500_000, MiB - spacing - SAMPLE_SLICE_BYTES]) {
      const bytes = randomBytes(MiB);
      text(spacing + SAMPLE_SLICE_BYTES).copy(bytes, start);
      assert.equal(worthCompressing(bytes), true, `text at ${start}`);
    }
  });

  it('gives the same answer for the same bytes', () => {
    const bytes = Buffer.concat([randomBytes(MiB / 2), text(MiB / 2)]);
    assert.equal(worthCompressing(bytes), worthCompressing(Buffer.from(bytes)));
  });
});

describe('encodeChunk', () => {
  it('stores incompressible bytes raw, without a zstd pass, under their own digest', async () => {
    const bytes = randomBytes(MiB);
    const encoded = await roundTrip(bytes);
    assert.equal(encoded.compression, 'none');
    assert.equal(encoded.stored, bytes);
    assert.equal(encoded.storedSha256, encoded.sha256);
  });

  it('compresses a chunk zstd shrinks by the required fraction, and the frame decodes to the chunk', async () => {
    const bytes = Buffer.concat([text(MiB / 4), randomBytes((3 * MiB) / 4)]);
    const encoded = await roundTrip(bytes);
    assert.equal(encoded.compression, 'zstd');
    assert.ok(encoded.stored.byteLength <= bytes.byteLength * (1 - MIN_COMPRESSION_SAVING));
    assert.ok(Buffer.from(encoded.stored).equals(await zstdEncode(bytes)));
  });

  it('stores raw what the sample lets through but zstd does not shrink enough', async () => {
    // Zeros exactly where two of the sixteen slices lie: the sample promises an eighth, the chunk saves 1/128.
    const bytes = randomBytes(MiB);
    bytes.fill(0, 0, SAMPLE_SLICE_BYTES);
    bytes.fill(0, MiB / SAMPLE_SLICES, MiB / SAMPLE_SLICES + SAMPLE_SLICE_BYTES);
    assert.equal(worthCompressing(bytes), true);
    const encoded = await roundTrip(bytes);
    assert.equal(encoded.compression, 'none');
  });
});

// Volume index rules: chunk sizes, layout (sorted, contiguous, covering), stored forms, sizes for inspect.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chunkSizeFor, DEFAULT_CHUNK_SIZE, isValidChunkSize, MAX_CHUNK_SIZE, volumeIndexProblem, volumeSizes, type VolumeExtent, type VolumeIndex } from './volume-index.ts';
import { isAllZero } from './zero.ts';

const C = 64 * 1024;
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const data = (offset: number, sha256 = A, length = C, storedSize = 100): VolumeExtent => ({ offset, length, sha256, stored: { size: storedSize, sha256: 'f'.repeat(64), compression: 'zstd' } });
const index = (size: number, extents: VolumeExtent[]): VolumeIndex => ({ namespace: 'ns1', volume: 'd', size, sha256: 'e'.repeat(64), chunkSize: C, format: 'raw', extents });

describe('volume index layout', () => {
  it('accepts data and zero extents that cover the volume, a short last chunk, and an empty volume', () => {
    assert.equal(volumeIndexProblem('i', index(3 * C + 10, [data(0), { offset: C, length: 2 * C, zero: true }, data(3 * C, B, 10, 10)])), undefined);
    assert.equal(volumeIndexProblem('i', index(0, [])), undefined);
  });

  const bad: [string, VolumeIndex, RegExp][] = [
    ['overlap', index(2 * C, [data(0), data(C / 2, B), data(C)]), /extent 1 \(offset 32768\) overlaps or is out of order/],
    ['out of order', index(2 * C, [data(C), data(0)]), /extent 0 \(offset 65536\) leaves a gap/],
    ['gap', index(3 * C, [data(0), data(2 * C)]), /leaves a gap \(the previous extent ends at 65536\)/],
    ['short total', index(3 * C, [data(0), data(C, B)]), /extents cover 131072 bytes but the volume size is 196608/],
    ['long total', index(C, [data(0), data(C, B)]), /extent 0 .*|extents cover/],
    ['short chunk not last', index(3 * C, [data(0, A, 10, 10), data(10, B)]), /length 10, but chunks are 65536 bytes/],
    ['stored larger', index(C, [data(0, A, C, C + 1)]), /stored size 65537 is larger than the chunk/],
    ['zero not whole chunks', index(3 * C, [{ offset: 0, length: 10, zero: true }, data(10)]), /a zero extent not at the end must be a whole number of chunks/],
    ['raw stored differently', index(C, [{ offset: 0, length: C, sha256: A, stored: { size: C, sha256: B, compression: 'none' } }]), /stored without compression must be stored as its own bytes/],
    ['same chunk stored two ways', index(2 * C, [data(0), data(C, A, C, 99)]), /described differently at offset 0/],
    ['chunk size', { ...index(0, []), chunkSize: 1000 }, /chunkSize 1000 is not a power of two/],
  ];
  for (const [name, value, message] of bad) {
    it(`refuses ${name}`, () => assert.match(volumeIndexProblem('volumes/ns1/d/index.json.zst', value)?.message ?? 'accepted', message));
  }
});

describe('chunk sizes', () => {
  it('uses 1 MiB up to 256 GiB, then doubles so an index stays within its extent bound', () => {
    assert.equal(chunkSizeFor(undefined), DEFAULT_CHUNK_SIZE);
    assert.equal(chunkSizeFor(256 * 1024 ** 3), DEFAULT_CHUNK_SIZE);
    assert.equal(chunkSizeFor(256 * 1024 ** 3 + 1), 2 * DEFAULT_CHUNK_SIZE);
    assert.equal(chunkSizeFor(4 * 1024 ** 4), MAX_CHUNK_SIZE);
    assert.equal(chunkSizeFor(64 * 1024 ** 4), MAX_CHUNK_SIZE, 'never beyond the maximum');
    assert.ok([64 * 1024, 1 << 20, 16 << 20].every(isValidChunkSize));
    assert.ok(![0, 1000, 32 * 1024, 32 << 20, 3 << 20].some(isValidChunkSize));
  });
});

describe('volume sizes', () => {
  it('counts logical, stored (each distinct chunk once), zero and deduplicated bytes', () => {
    const sizes = volumeSizes(index(4 * C, [data(0), { offset: C, length: C, zero: true }, data(2 * C), data(3 * C, B)]));
    assert.deepEqual(sizes, { logical: 4 * C, stored: 200, zero: C, deduplicated: C, unique: 2 * C });
  });
});

describe('isAllZero', () => {
  it('finds a non-zero byte anywhere, at any alignment', () => {
    const bytes = new Uint8Array(1000);
    assert.equal(isAllZero(bytes), true);
    assert.equal(isAllZero(bytes.subarray(3, 997)), true);
    for (const at of [0, 3, 7, 8, 500, 996, 999]) {
      bytes[at] = 1;
      assert.equal(isAllZero(bytes), false, `byte ${at}`);
      assert.equal(isAllZero(bytes.subarray(at, at + 1)), false);
      bytes[at] = 0;
    }
  });
});

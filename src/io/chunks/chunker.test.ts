// The chunker: cutting, zero extents, dedup through the store, out-of-order delivery, whole-volume digest, index layout.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { volumeIndexProblem, type StoredChunkRef, type VolumeIndex } from '../../bundle/index.ts';
import { VolumeChunker, type ChunkStore } from './chunker.ts';
import { decodeChunk, type EncodedChunk } from './codec.ts';

const CHUNK = 64 * 1024;

/** A store that keeps every chunk, as the bundle writer does, and counts what it was asked to add. */
class MemoryStore implements ChunkStore {
  readonly chunks = new Map<string, EncodedChunk>();
  added = 0;
  storedChunk(sha256: string): StoredChunkRef | undefined {
    const chunk = this.chunks.get(sha256);
    return chunk ? { size: chunk.stored.byteLength, sha256: chunk.storedSha256, compression: chunk.compression } : undefined;
  }
  async addChunk(chunk: EncodedChunk): Promise<StoredChunkRef> {
    this.added += 1;
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.chunks.has(chunk.sha256)) this.chunks.set(chunk.sha256, chunk);
    return this.storedChunk(chunk.sha256) as StoredChunkRef;
  }
}

/** Rebuilds the volume's bytes from its index and the store, checking each chunk as restore does. */
async function rebuild(index: VolumeIndex, store: MemoryStore): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (const extent of index.extents) {
    if ('zero' in extent) {
      parts.push(new Uint8Array(extent.length));
      continue;
    }
    const chunk = store.chunks.get(extent.sha256);
    assert.ok(chunk, `chunk ${extent.sha256} stored`);
    const bytes = await decodeChunk(chunk.stored, { sha256: extent.sha256, length: extent.length, compression: extent.stored.compression });
    assert.ok(typeof bytes !== 'string', String(bytes));
    parts.push(bytes);
  }
  return Buffer.concat(parts);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A volume of chunk-sized pieces: r = random, t = compressible text, z = zeros; a number appends that many random bytes. */
function volume(spec: (string | number)[]): Buffer {
  const text = Buffer.from('kubevirt '.repeat(Math.ceil(CHUNK / 9))).subarray(0, CHUNK);
  return Buffer.concat(spec.map((part) => (typeof part === 'number' ? randomBytes(part) : part === 'r' ? randomBytes(CHUNK) : part === 't' ? text : Buffer.alloc(CHUNK))));
}

async function chunkSequentially(bytes: Buffer, store: MemoryStore, pieceSize: number): Promise<VolumeIndex> {
  const chunker = new VolumeChunker({ namespace: 'ns1', volume: 'disk1', chunkSize: CHUNK, store });
  for (let at = 0; at < bytes.length; at += pieceSize) await chunker.write(bytes.subarray(at, at + pieceSize));
  return chunker.finish();
}

describe('VolumeChunker', () => {
  it('cuts a volume fed in odd piece sizes into a valid index that rebuilds the exact bytes', async () => {
    const bytes = volume(['r', 't', 'z', 'z', 'r', 1000]);
    const store = new MemoryStore();
    const index = await chunkSequentially(bytes, store, 7777);
    assert.equal(volumeIndexProblem('index', index), undefined);
    assert.equal(index.size, bytes.length);
    assert.equal(index.sha256, sha256(bytes));
    assert.deepEqual((await rebuild(index, store)).equals(bytes), true);
  });

  it('stores zero chunks as one zero extent and never stores them', async () => {
    const bytes = volume(['r', 'z', 'z', 'z', 'r']);
    const store = new MemoryStore();
    const index = await chunkSequentially(bytes, store, CHUNK);
    assert.deepEqual(index.extents.map((extent) => ('zero' in extent ? `zero ${extent.length}` : `data ${extent.length}`)), [`data ${CHUNK}`, `zero ${3 * CHUNK}`, `data ${CHUNK}`]);
    assert.equal(store.chunks.size, 2);
  });

  it('compresses compressible chunks with zstd and stores incompressible ones raw', async () => {
    const store = new MemoryStore();
    const index = await chunkSequentially(volume(['t', 'r']), store, CHUNK);
    const [text, random] = index.extents as { stored: StoredChunkRef; sha256: string; length: number }[];
    assert.equal(text?.stored.compression, 'zstd');
    assert.ok((text?.stored.size ?? CHUNK) < CHUNK / 10);
    assert.equal(random?.stored.compression, 'none');
    assert.equal(random?.stored.sha256, random?.sha256);
    assert.equal(random?.stored.size, CHUNK);
  });

  it('deduplicates repeated chunks within a volume and across volumes sharing a store', async () => {
    const first = volume(['r', 'r']);
    const store = new MemoryStore();
    const a = await chunkSequentially(Buffer.concat([first, first]), store, CHUNK);
    assert.equal(store.chunks.size, 2);
    const b = await chunkSequentially(first, store, 5000);
    assert.equal(store.chunks.size, 2, 'the clone stores nothing new');
    assert.deepEqual(
      b.extents.map((extent) => ('sha256' in extent ? extent.sha256 : '')),
      a.extents.slice(0, 2).map((extent) => ('sha256' in extent ? extent.sha256 : '')),
    );
  });

  it('accepts whole chunks out of order and still hands them to the store in offset order', async () => {
    const bytes = volume(['r', 'r', 'r', 'r', 'r', 3333]);
    const store = new MemoryStore();
    const order: string[] = [];
    const addChunk = store.addChunk.bind(store);
    store.addChunk = async (chunk) => {
      order.push(chunk.sha256);
      return addChunk(chunk);
    };
    const chunker = new VolumeChunker({ namespace: 'ns1', volume: 'disk1', chunkSize: CHUNK, store, concurrency: 2, size: bytes.length });
    const offsets = [5, 3, 0, 4, 1, 2].map((n) => n * CHUNK);
    await Promise.all(offsets.map((offset) => chunker.writeChunkAt(offset, bytes.subarray(offset, offset + CHUNK))));
    const index = await chunker.finish();
    assert.equal(index.sha256, sha256(bytes));
    assert.equal(volumeIndexProblem('index', index), undefined);
    const expected = [0, 1, 2, 3, 4, 5].map((n) => sha256(bytes.subarray(n * CHUNK, n * CHUNK + CHUNK)));
    assert.deepEqual(order, expected);
  });

  it('refuses to finish when a chunk never came', async () => {
    const chunker = new VolumeChunker({ namespace: 'ns1', volume: 'disk1', chunkSize: CHUNK, store: new MemoryStore() });
    await chunker.writeChunkAt(CHUNK, randomBytes(CHUNK));
    await assert.rejects(chunker.finish(), /no bytes delivered at offset 0/);
  });

  it('refuses a size other than the one announced', async () => {
    const chunker = new VolumeChunker({ namespace: 'ns1', volume: 'disk1', chunkSize: CHUNK, store: new MemoryStore(), size: 2 * CHUNK });
    await chunker.write(randomBytes(CHUNK));
    await assert.rejects(chunker.finish(), /65536 bytes chunked, expected 131072/);
  });

  it('gives an empty volume an empty index', async () => {
    const index = await new VolumeChunker({ namespace: 'ns1', volume: 'empty', chunkSize: CHUNK, store: new MemoryStore() }).finish();
    assert.deepEqual({ size: index.size, extents: index.extents, sha256: index.sha256 }, { size: 0, extents: [], sha256: sha256(Buffer.alloc(0)) });
  });

  it('refuses chunk sizes that are not a power of two in range', () => {
    for (const chunkSize of [1000, 32 * 1024, 32 * 1024 * 1024]) {
      assert.throws(() => new VolumeChunker({ namespace: 'ns1', volume: 'v', chunkSize, store: new MemoryStore() }), /chunk size/);
    }
  });

  it('keeps no more than the concurrency bound in flight when the store is slow', async () => {
    const store = new MemoryStore();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const addChunk = store.addChunk.bind(store);
    store.addChunk = async (chunk) => {
      await gate;
      return addChunk(chunk);
    };
    const chunker = new VolumeChunker({ namespace: 'ns1', volume: 'disk1', chunkSize: CHUNK, store, concurrency: 2 });
    let admitted = 0;
    const writes = (async () => {
      for (let i = 0; i < 6; i++) {
        await chunker.write(randomBytes(CHUNK));
        admitted += 1;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(admitted <= 3, `${admitted} chunks admitted while the store was blocked`);
    release();
    await writes;
    assert.equal((await chunker.finish()).extents.length, 6);
  });
});

// Cuts one volume into fixed-size content-addressed chunks: zero detection, hashing and zstd as bytes arrive, then the index.

import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  DEFAULT_CHUNK_SIZE,
  isAllZero,
  isValidChunkSize,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  type StoredChunkRef,
  type VolumeExtent,
  type VolumeFormat,
  type VolumeIndex,
} from '../../bundle/index.ts';
import { InternalError } from '../../errors.ts';
import { encodeChunk, type EncodedChunk } from './codec.ts';

/**
 * Where finished chunks go: the bundle writer implements it (`BundleWriter`), deduplicating by digest, so a chunk
 * already in the bundle is neither compressed again nor stored twice.
 */
export interface ChunkStore {
  /** How the chunk with this content sha256 is stored, when it already is; undefined otherwise. */
  storedChunk(sha256: string): StoredChunkRef | undefined;
  /** Stores the chunk unless one with the same sha256 already is; resolves with how it is stored. */
  addChunk(chunk: EncodedChunk): Promise<StoredChunkRef>;
}

export interface ChunkerOptions {
  namespace: string;
  volume: string;
  /** Default `raw`. */
  format?: VolumeFormat;
  /** A power of two from 64 KiB to 16 MiB; default 1 MiB (`chunkSizeFor(size)` picks one for a large volume). */
  chunkSize?: number;
  store: ChunkStore;
  /** Chunks hashed and compressed at the same time (default 4). Bounds memory to about (concurrency + 1) chunks. */
  concurrency?: number;
  /** The volume's size when known in advance: `finish` then checks every byte came. */
  size?: number;
  /** Called for each chunk as it enters the index, in offset order (an export's resume journal records them). */
  onCommit?: (extent: VolumeExtent) => void;
}

/** What the chunker has seen so far, for progress and reports. */
export interface ChunkerStats {
  /** Bytes committed to the index, in offset order. */
  bytes: number;
  /** Bytes in zero extents. */
  zeroBytes: number;
  /** Uncompressed bytes of chunks the store already held (deduplicated). */
  dedupBytes: number;
  /** Bytes this volume added to the bundle (new chunks, as stored). */
  storedBytes: number;
}

/** A chunk after hashing, waiting for its turn (offset order) to be stored and entered in the index. */
interface Processed {
  offset: number;
  bytes: Uint8Array;
  zero: boolean;
  sha256?: string;
  /** Set when the store already held it at hashing time. */
  known?: StoredChunkRef;
  encoded?: EncodedChunk;
}

/**
 * One volume being cut into chunks. Feed it bytes either in order with `write` (any piece sizes), or as whole aligned
 * chunks in any order with `writeChunkAt` (parallel range fetches), not both; then `finish` for the index.
 *
 * Chunks are hashed and compressed concurrently but handed to the store, entered in the index and fed to the
 * whole-volume sha256 strictly in offset order, so the bundle's bytes do not depend on arrival order. Each call
 * returns once the chunk is admitted (at most `concurrency` chunks in flight, plus the one the index waits for,
 * which is always admitted so out-of-order delivery cannot deadlock). The chunker keeps a reference to the bytes
 * it is given until the chunk is committed: do not reuse the buffer.
 */
export class VolumeChunker {
  readonly chunkSize: number;
  readonly #namespace: string;
  readonly #volume: string;
  readonly #format: VolumeFormat;
  readonly #store: ChunkStore;
  readonly #concurrency: number;
  readonly #expectedSize: number | undefined;
  readonly #onCommit: ((extent: VolumeExtent) => void) | undefined;
  readonly #wholeHash: Hash = createHash('sha256');
  readonly #extents: VolumeExtent[] = [];
  readonly #ready = new Map<number, Processed>();
  readonly #admitted = new Set<number>();
  readonly #stats: ChunkerStats = { bytes: 0, zeroBytes: 0, dedupBytes: 0, storedBytes: 0 };
  #zeros: Uint8Array | undefined;
  #mode: 'sequential' | 'random' | undefined;
  #partial: Buffer | undefined;
  #partialLength = 0;
  #cursor = 0;
  #nextCommit = 0;
  /** Offset just past a chunk shorter than chunkSize: nothing may come after it. */
  #shortEnd: number | undefined;
  #committing = false;
  #failed: Error | undefined;
  #finished = false;
  #wake: (() => void)[] = [];

  constructor(options: ChunkerOptions) {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!isValidChunkSize(chunkSize)) throw new InternalError(`chunk size ${chunkSize} is not a power of two between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE}`);
    this.chunkSize = chunkSize;
    this.#namespace = options.namespace;
    this.#volume = options.volume;
    this.#format = options.format ?? 'raw';
    this.#store = options.store;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#expectedSize = options.size;
    this.#onCommit = options.onCommit;
  }

  /** Progress so far (bytes committed in offset order). */
  get stats(): Readonly<ChunkerStats> {
    return this.#stats;
  }

  /** Appends `bytes` at the end of what was written so far; cuts and dispatches every full chunk. */
  async write(bytes: Uint8Array): Promise<void> {
    this.#use('sequential');
    let at = 0;
    while (at < bytes.byteLength) {
      // A whole aligned chunk in the input is taken as it is, without a copy.
      if (this.#partialLength === 0 && bytes.byteLength - at >= this.chunkSize) {
        const chunk = bytes.subarray(at, at + this.chunkSize);
        at += this.chunkSize;
        await this.#submit(this.#cursor, chunk);
        this.#cursor += this.chunkSize;
        continue;
      }
      this.#partial ??= Buffer.allocUnsafe(this.chunkSize);
      const take = Math.min(this.chunkSize - this.#partialLength, bytes.byteLength - at);
      this.#partial.set(bytes.subarray(at, at + take), this.#partialLength);
      this.#partialLength += take;
      at += take;
      if (this.#partialLength === this.chunkSize) {
        const chunk = this.#partial;
        this.#partial = undefined;
        this.#partialLength = 0;
        await this.#submit(this.#cursor, chunk);
        this.#cursor += this.chunkSize;
      }
    }
  }

  /**
   * Delivers the whole chunk that starts at `offset` (a multiple of chunkSize), in any order. It is exactly
   * chunkSize long, except the volume's last chunk.
   */
  async writeChunkAt(offset: number, bytes: Uint8Array): Promise<void> {
    this.#use('random');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % this.chunkSize !== 0) throw new InternalError(`chunk offset ${offset} is not a multiple of ${this.chunkSize}`);
    if (bytes.byteLength === 0 || bytes.byteLength > this.chunkSize) throw new InternalError(`chunk at ${offset} is ${bytes.byteLength} bytes (chunk size ${this.chunkSize})`);
    if (this.#admitted.has(offset) || offset < this.#nextCommit) throw new InternalError(`chunk at ${offset} delivered twice`);
    if (bytes.byteLength < this.chunkSize) {
      if (this.#shortEnd !== undefined) throw new InternalError(`two short chunks (at ${this.#shortEnd - this.chunkSize}+ and ${offset}): only the last may be short`);
      this.#shortEnd = offset + bytes.byteLength;
    }
    await this.#submit(offset, bytes);
  }

  /** A Writable that feeds `write` (for `pipeline(download, inflate, chunker.writable())`); `finish` still gives the index. */
  writable(): Writable {
    return new Writable({
      highWaterMark: this.chunkSize,
      write: (chunk: Buffer, _encoding, callback) => {
        this.write(chunk).then(() => callback(), callback);
      },
    });
  }

  /**
   * Flushes the last partial chunk, waits until every chunk is stored, and returns the volume's index.
   * @throws InternalError when bytes are missing (a chunk never delivered) or the size differs from the one given.
   */
  async finish(): Promise<VolumeIndex> {
    if (this.#finished) throw new InternalError('finish() called twice');
    if (this.#partial && this.#partialLength > 0) {
      const last = this.#partial.subarray(0, this.#partialLength);
      this.#partial = undefined;
      this.#partialLength = 0;
      await this.#submit(this.#cursor, last);
      this.#cursor += last.byteLength;
    }
    this.#finished = true;
    while (this.#admitted.size > 0 && !this.#failed) {
      if (!this.#ready.has(this.#nextCommit) && this.#ready.size === this.#admitted.size) {
        throw new InternalError(`volume ${this.#namespace}/${this.#volume}: no bytes delivered at offset ${this.#nextCommit}`);
      }
      await this.#changed();
    }
    if (this.#failed) throw this.#failed;
    const size = this.#nextCommit;
    if (this.#expectedSize !== undefined && size !== this.#expectedSize) {
      throw new InternalError(`volume ${this.#namespace}/${this.#volume}: ${size} bytes chunked, expected ${this.#expectedSize}`);
    }
    return {
      namespace: this.#namespace,
      volume: this.#volume,
      size,
      sha256: this.#wholeHash.digest('hex'),
      chunkSize: this.chunkSize,
      format: this.#format,
      extents: this.#extents,
    };
  }

  /**
   * Waits until every chunk admitted so far is committed (stored and entered in the index), without flushing a
   * partial chunk or finishing: an interrupted export keeps what its chunks reached. Resolves early on failure.
   */
  async drain(): Promise<void> {
    while (this.#admitted.size > 0 && !this.#failed && !(this.#ready.size === this.#admitted.size && !this.#ready.has(this.#nextCommit))) await this.#changed();
  }

  /** Stops: pending and later calls reject with `error`. */
  abort(error: Error): void {
    this.#failed ??= error;
    this.#notify();
  }

  #use(mode: 'sequential' | 'random'): void {
    if (this.#failed) throw this.#failed;
    if (this.#finished) throw new InternalError('chunker written after finish()');
    if (this.#mode !== undefined && this.#mode !== mode) throw new InternalError('write() and writeChunkAt() cannot be mixed on one volume');
    this.#mode = mode;
  }

  /** Waits for room (the chunk the index waits for always gets in), then hashes and compresses it in the background. */
  async #submit(offset: number, bytes: Uint8Array): Promise<void> {
    if (this.#shortEnd !== undefined && offset > this.#shortEnd - 1 && offset + bytes.byteLength !== this.#shortEnd) {
      throw new InternalError(`chunk at ${offset} comes after the short last chunk ending at ${this.#shortEnd}`);
    }
    while (offset !== this.#nextCommit && this.#admitted.size >= this.#concurrency) {
      if (this.#failed) throw this.#failed;
      await this.#changed();
    }
    if (this.#failed) throw this.#failed;
    this.#admitted.add(offset);
    this.#process(offset, bytes).then(
      (processed) => {
        this.#ready.set(offset, processed);
        this.#notify();
        void this.#commit();
      },
      (error: unknown) => this.abort(error instanceof Error ? error : new Error(String(error))),
    );
  }

  async #process(offset: number, bytes: Uint8Array): Promise<Processed> {
    if (isAllZero(bytes)) return { offset, bytes, zero: true };
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const known = this.#store.storedChunk(sha256);
    if (known) return { offset, bytes, zero: false, sha256, known };
    return { offset, bytes, zero: false, sha256, encoded: await encodeChunk(bytes, sha256) };
  }

  /** Commits ready chunks in offset order: whole-volume hash, store, index. One loop at a time. */
  async #commit(): Promise<void> {
    if (this.#committing) return;
    this.#committing = true;
    try {
      for (let next = this.#ready.get(this.#nextCommit); next && !this.#failed; next = this.#ready.get(this.#nextCommit)) {
        const { offset, bytes } = next;
        const length = bytes.byteLength;
        if (next.zero) {
          this.#zeros ??= new Uint8Array(this.chunkSize);
          this.#wholeHash.update(this.#zeros.subarray(0, length));
          const last = this.#extents.at(-1);
          if (last && 'zero' in last && last.length % this.chunkSize === 0) last.length += length;
          else this.#extents.push({ offset, length, zero: true });
          this.#onCommit?.({ offset, length, zero: true });
          this.#stats.zeroBytes += length;
        } else {
          this.#wholeHash.update(bytes);
          let stored = next.known ?? this.#store.storedChunk(next.sha256 as string);
          if (stored) {
            this.#stats.dedupBytes += length;
          } else {
            const encoded = next.encoded ?? (await encodeChunk(bytes, next.sha256));
            stored = await this.#store.addChunk(encoded);
            this.#stats.storedBytes += encoded.stored.byteLength;
          }
          this.#extents.push({ offset, length, sha256: next.sha256 as string, stored });
          this.#onCommit?.({ offset, length, sha256: next.sha256 as string, stored });
        }
        this.#ready.delete(offset);
        this.#admitted.delete(offset);
        this.#nextCommit = offset + length;
        this.#stats.bytes = this.#nextCommit;
        this.#notify();
      }
    } catch (error) {
      this.abort(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#committing = false;
    }
    // A chunk that became ready while the store was busy is committed now.
    if (!this.#failed && this.#ready.has(this.#nextCommit)) void this.#commit();
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#wake.push(resolve));
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
  }
}

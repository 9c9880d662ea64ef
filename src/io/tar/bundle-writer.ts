// Streams a v1alpha2 bundle to a Writable: entries in the enforced order, fixed tar headers, chunks deduplicated, no seeking.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  BUNDLE_FORMAT_VERSION,
  buildTrailer,
  canonicalExportRecord,
  canonicalHeader,
  canonicalVolumeIndex,
  checkExportRecord,
  checkObject,
  chunkPath,
  DataReferences,
  DEFAULT_LIMITS,
  encodeJson,
  EntryOrder,
  exportPath,
  formatBytes,
  graphPath,
  HEADER_PATH,
  isProblem,
  isZeroExtent,
  objectPath,
  problemError,
  schemaProblem,
  TRAILER_PATH,
  volumeIndexPath,
  volumeIndexProblem,
  type BundleHeader,
  type BundleLimits,
  type EntryPath,
  type ExportRecord,
  type StoredChunkRef,
  type Trailer,
  type TrailerEntry,
  type VolumeIndex,
} from '../../bundle/index.ts';
import { InputError, InternalError } from '../../errors.ts';
import type { Graph } from '../../graph/index.ts';
import type { KubeObject } from '../../model/kube-object.ts';
import type { ObjectRef } from '../../model/object-ref.ts';
import type { ChunkStore } from '../chunks/chunker.ts';
import { zstdEncodeSync, type EncodedChunk } from '../chunks/codec.ts';
import type { LentBytes } from './bundle-reader.ts';
import { bundleMtime, END_OF_ARCHIVE, padding, tarHeaderBlocks } from './tar-header.ts';

export interface BundleWriterOptions {
  /** Keep export records' `token`; without it the token is dropped before writing. */
  includeToken?: boolean;
  /** End `out` when the bundle is complete (default true). */
  end?: boolean;
  limits?: Partial<BundleLimits>;
}

/**
 * Writes one v1alpha2 bundle. Header, graph, objects and export records come first, in that order, one call at a
 * time. Then the data section: `addChunk`/`copyChunk` and `addVolumeIndex` in any interleaving, also concurrently
 * (calls are queued and written in call order), as long as every chunk an index names was added before the index.
 * It is a `ChunkStore`, so `VolumeChunker`s write into it directly.
 */
export interface BundleWriter extends ChunkStore {
  writeHeader(header: BundleHeader): Promise<void>;
  writeGraph(graph: Graph): Promise<void>;
  /**
   * Writes one object exactly as given (no key reordered). `ref` must be the object's own identity: a namespaced
   * object carries its namespace (apply the default namespace before writing). Objects come sorted by ref.
   */
  writeObject(ref: ObjectRef, object: KubeObject): Promise<void>;
  /** Writes an export record; its `data[]` lists the volume indexes (`volumeIndexPath`) the data section will hold. */
  writeExport(record: ExportRecord): Promise<void>;
  /**
   * Stores `chunks/sha256/<chunk.sha256>` unless a chunk with that digest already is (then nothing is written);
   * resolves with how the chunk is stored in the bundle, once its entry is handed to the stream.
   */
  addChunk(chunk: EncodedChunk): Promise<StoredChunkRef>;
  /** How the chunk with this content sha256 is stored in this bundle so far; undefined when it is not. */
  storedChunk(sha256: string): StoredChunkRef | undefined;
  /**
   * Copies a chunk entry verbatim from another bundle (transform): `stored` is its tar entry's bytes, not decoded.
   * The volume index that names it afterwards says how it is stored and is checked against its size.
   * @returns false when the bundle already holds that chunk (nothing written).
   */
  copyChunk(sha256: string, stored: Uint8Array | readonly Uint8Array[]): Promise<boolean>;
  /**
   * `copyChunk` for bytes lent piece by piece (`ChunkEntry.lendPieces`) that total `size`: each piece is handed to
   * `out` as it comes, while it is likely still in the CPU's cache, and released once `out` has written it (or
   * failed, or when the chunk is already stored). A few pieces at most are in flight.
   * @returns false when the bundle already holds that chunk (nothing written, every piece still read and released).
   */
  copyChunkPieces(sha256: string, size: number, pieces: AsyncIterable<LentBytes>): Promise<boolean>;
  /**
   * Writes `volumes/<namespace>/<volume>/index.json.zst` after checking its layout and that every chunk it names
   * is already stored, the same way. The volume must be listed by an export record.
   */
  addVolumeIndex(index: VolumeIndex): Promise<void>;
  /** Checks the header's counts, writes the trailer, ends the tar and waits until `out` has everything. */
  finish(): Promise<Trailer>;
  /** Stops writing: destroys the tar stream (and `out`) with `error`. */
  abort(error?: Error): void;
  /**
   * Ends the tar after every entry added so far, without a trailer, and waits until `out` has them: an interrupted
   * export keeps a partial bundle whose complete entries a rerun (`export --resume`) continues from.
   */
  close(): Promise<void>;
}

/** Starts a bundle on `out`; nothing is written until `writeHeader`. */
export function createBundleWriter(out: Writable, options: BundleWriterOptions = {}): BundleWriter {
  return new TarBundleWriter(out, options);
}

/** What the writer knows of a chunk it stored: the full ref when it encoded it, only the size for a verbatim copy. */
interface ChunkRecord {
  size: number;
  ref?: StoredChunkRef;
}

class TarBundleWriter implements BundleWriter {
  readonly #out: Writable;
  readonly #end: boolean;
  readonly #includeToken: boolean;
  readonly #limits: BundleLimits;
  readonly #order: EntryOrder;
  readonly #entries: TrailerEntry[] = [];
  readonly #data = new DataReferences(BUNDLE_FORMAT_VERSION);
  readonly #chunks = new Map<string, ChunkRecord>();
  #chunkBytes = 0;
  #header: BundleHeader | undefined;
  #mtime = new Date(0);
  #counts = { objects: 0, exports: 0, data: 0 };
  #failed: Error | undefined;
  /** Every entry write waits for the one before: the tar is one stream. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Small pieces gathered into one write (tar headers, padding, compressed JSON). */
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(out: Writable, options: BundleWriterOptions) {
    this.#includeToken = options.includeToken ?? false;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#order = new EntryOrder(this.#limits.maxEntries, BUNDLE_FORMAT_VERSION);
    this.#out = out;
    this.#end = options.end ?? true;
    // Failures surface through the calls (and finish), never as an unhandled 'error' event.
    out.on('error', (error: Error) => {
      this.#failed ??= error;
    });
  }

  async writeHeader(header: BundleHeader): Promise<void> {
    await this.#step(HEADER_PATH, async (path) => {
      if (header.formatVersion !== BUNDLE_FORMAT_VERSION) throw new InternalError(`bundle header: formatVersion ${header.formatVersion}, but this writer writes ${BUNDLE_FORMAT_VERSION}`);
      const problem = schemaProblem(`header.${BUNDLE_FORMAT_VERSION}`, path, header);
      if (problem) throw problemError(problem);
      this.#header = canonicalHeader(header);
      this.#mtime = new Date(bundleMtime(header.createdAt) * 1000);
      // The header stays plain JSON: a reader learns the version before anything else.
      await this.#writeJson(path, this.#header, { compress: false });
    });
  }

  async writeGraph(graph: Graph): Promise<void> {
    await this.#step(graphPath(BUNDLE_FORMAT_VERSION), async (path) => {
      const problem = schemaProblem('graph.v1alpha1', path, graph);
      if (problem) throw problemError(problem);
      await this.#writeJson(path, graph);
    });
  }

  async writeObject(ref: ObjectRef, object: KubeObject): Promise<void> {
    await this.#step(objectPath(ref, BUNDLE_FORMAT_VERSION), async (path, entry) => {
      if (entry.section !== 'object') throw new InternalError(`${path} is not an object path`);
      const problem = checkObject(entry, object);
      if (problem) throw problemError(problem);
      await this.#writeJson(path, object);
      this.#counts.objects += 1;
    });
  }

  async writeExport(record: ExportRecord): Promise<void> {
    await this.#step(exportPath(record.namespace, record.vmName, BUNDLE_FORMAT_VERSION), async (path, entry) => {
      if (entry.section !== 'export') throw new InternalError(`${path} is not an export record path`);
      const problem = checkExportRecord(entry, record, BUNDLE_FORMAT_VERSION);
      if (problem) throw problemError(problem);
      const problems = this.#data.declare(record);
      if (problems[0]) throw problemError(problems[0]);
      await this.#writeJson(path, canonicalExportRecord(record, this.#includeToken));
      this.#counts.exports += 1;
    });
  }

  storedChunk(sha256: string): StoredChunkRef | undefined {
    return this.#chunks.get(sha256)?.ref;
  }

  async addChunk(chunk: EncodedChunk): Promise<StoredChunkRef> {
    const ref: StoredChunkRef = { size: chunk.stored.byteLength, sha256: chunk.storedSha256, compression: chunk.compression };
    let result = ref;
    await this.#step(chunkPath(chunk.sha256), async (path) => {
      const known = this.#chunks.get(chunk.sha256);
      if (known) {
        // Added concurrently by another volume, or copied: the first one stored is the one every index names.
        known.ref ??= ref;
        result = known.ref;
        return;
      }
      if (chunk.stored.byteLength > chunk.length || chunk.length > this.#limits.maxChunkBytes) {
        throw new InternalError(`${path}: stored ${chunk.stored.byteLength} bytes for a ${chunk.length}-byte chunk`);
      }
      await this.#writeChunk(path, chunk.sha256, chunk.stored, ref);
    }, { chunk: true });
    return result;
  }

  async copyChunk(sha256: string, stored: Uint8Array | readonly Uint8Array[]): Promise<boolean> {
    let written = false;
    const parts = stored instanceof Uint8Array ? [stored] : stored;
    const size = parts.reduce((sum, part) => sum + part.byteLength, 0);
    await this.#step(chunkPath(sha256), async (path) => {
      if (this.#chunks.has(sha256)) return;
      this.#checkCopiedSize(path, size);
      await this.#writeChunk(path, sha256, parts, undefined);
      written = true;
    }, { chunk: true });
    return written;
  }

  async copyChunkPieces(sha256: string, size: number, pieces: AsyncIterable<LentBytes>): Promise<boolean> {
    let written = false;
    const iterator = pieces[Symbol.asyncIterator]();
    try {
      await this.#step(chunkPath(sha256), async (path) => {
        if (this.#chunks.has(sha256)) {
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) next.value.release();
          return;
        }
        this.#checkCopiedSize(path, size);
        if (this.#chunks.size >= this.#limits.maxChunks) throw new InputError(`bundle entry ${path}: more than ${this.#limits.maxChunks} chunks`);
        this.#chunks.set(sha256, { size });
        await this.#write(tarHeaderBlocks({ name: path, size, mtime: this.#mtime.getTime() / 1000 }));
        // Pieces handed to `out` and not yet written: a few at most, so each goes out soon after it was read.
        const inFlight: Promise<void>[] = [];
        let count = 0;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          const { bytes, release } = next.value;
          count += bytes.byteLength;
          if (count > size) {
            release();
            throw new InternalError(`${path}: the pieces hold more than the ${size} bytes announced`);
          }
          if (bytes.byteLength < COALESCE_BYTES) {
            // A small piece is gathered with the next writes: copied, so its memory goes back at once.
            await this.#write(Buffer.from(bytes)).finally(release);
            continue;
          }
          let written!: () => void;
          inFlight.push(new Promise<void>((resolve) => (written = resolve)));
          // Awaited (the bytes are queued in order); the callback comes once they are written.
          await this.#write(bytes, () => (release(), written()));
          if (inFlight.length > LENT_IN_FLIGHT) await inFlight.shift();
          if (this.#failed) throw this.#failed;
        }
        if (count !== size) throw new InternalError(`${path}: the pieces hold ${count} bytes, ${size} were announced`);
        await this.#write(padding(size));
        this.#chunkBytes += size;
        written = true;
      }, { chunk: true });
    } finally {
      // Pieces not taken (the writer failed first) are read to their end and released: the reader's memory comes back.
      await (async () => {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) next.value.release();
      })().catch(() => {});
    }
    return written;
  }

  #checkCopiedSize(path: string, size: number): void {
    if (size > this.#limits.maxChunkBytes) throw new InputError(`bundle entry ${path}: ${formatBytes(size)} is over the ${formatBytes(this.#limits.maxChunkBytes)} limit for a chunk`);
  }

  async addVolumeIndex(index: VolumeIndex): Promise<void> {
    await this.#step(volumeIndexPath(index.namespace, index.volume), async (path) => {
      const canonical = canonicalVolumeIndex(index);
      const schema = schemaProblem('volume-index.v1alpha2', path, canonical);
      if (schema) throw problemError(schema);
      const layout = volumeIndexProblem(path, canonical);
      if (layout) throw problemError(layout);
      for (const extent of canonical.extents) {
        if (isZeroExtent(extent) || extent.base) continue;
        const known = this.#chunks.get(extent.sha256);
        if (!known) throw new InternalError(`${path}: names chunk ${extent.sha256}, which was not added before the index`);
        if (known.size !== extent.stored.size) throw problemError({ code: 'index-stored-size', entry: path, message: `chunk ${extent.sha256} is stored as ${known.size} bytes, the index says ${extent.stored.size}` });
        known.ref ??= extent.stored;
      }
      const listed = this.#data.written(path);
      if (listed) throw problemError(listed);
      await this.#writeJson(path, canonical);
      this.#counts.data += 1;
    });
  }

  async finish(): Promise<Trailer> {
    let trailer: Trailer | undefined;
    await this.#step(TRAILER_PATH, async (path) => {
      const header = this.#header;
      if (!header) throw new InternalError('bundle header was never written');
      const unwritten = this.#data.unwritten();
      if (unwritten[0]) throw new InternalError(`bundle: ${unwritten[0].entry}: ${unwritten[0].message}`);
      for (const key of ['objects', 'exports', 'data'] as const) {
        if (header.contents[key] !== this.#counts[key]) {
          throw new InternalError(`bundle header says contents.${key} is ${header.contents[key]} but ${this.#counts[key]} were written`);
        }
      }
      trailer = buildTrailer(this.#entries, { count: this.#chunks.size, storedBytes: this.#chunkBytes });
      const problem = schemaProblem(`trailer.${BUNDLE_FORMAT_VERSION}`, path, trailer);
      if (problem) throw problemError(problem);
      await this.#writeJson(path, trailer, { compress: false, record: false });
      await this.#write(END_OF_ARCHIVE);
      await this.#flush();
      if (this.#end) {
        this.#out.end();
        await finished(this.#out);
      } else if (this.#out.writableNeedDrain) {
        await once(this.#out, 'drain');
      }
    });
    if (this.#failed) throw this.#failed;
    return trailer as unknown as Trailer;
  }

  abort(error: Error = new Error('bundle writing aborted')): void {
    this.#failed ??= error;
    // stdout (end: false) is left open for the error message; a file is destroyed and its owner removes it.
    if (this.#end) this.#out.destroy(error);
  }

  async close(): Promise<void> {
    await this.#queue;
    if (this.#failed) return;
    await this.#flush().catch(() => {});
    this.#failed = new InternalError('bundle closed without a trailer');
    if (this.#end) {
      this.#out.end();
      await finished(this.#out).catch(() => {});
    }
  }

  /**
   * Runs one entry's write after every earlier one, and leaves the writer failed after any error. The order check
   * happens in turn too, so concurrent data-section calls are checked in the order they are written.
   */
  async #step(path: string, write: (path: string, entry: EntryPath) => Promise<void>, options: { chunk?: boolean } = {}): Promise<void> {
    const run = async () => {
      if (this.#failed) throw this.#failed;
      // A chunk already stored writes nothing: it is not a new entry for the order check.
      if (!(options.chunk && this.#chunks.has(path.slice(path.lastIndexOf('/') + 1)))) {
        const entry = this.#order.next(path);
        if (isProblem(entry)) throw new InternalError(`bundle entry ${entry.entry ?? path}: ${entry.message}`);
        await write(path, entry);
      } else {
        await write(path, { section: 'chunk', path, sha256: path.slice(path.lastIndexOf('/') + 1) });
      }
    };
    const turn = this.#queue.then(run, run);
    this.#queue = turn.catch(() => {});
    try {
      await turn;
    } catch (error) {
      this.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  async #writeChunk(path: string, sha256: string, stored: Uint8Array | readonly Uint8Array[], ref: StoredChunkRef | undefined): Promise<void> {
    if (this.#chunks.size >= this.#limits.maxChunks) throw new InputError(`bundle entry ${path}: more than ${this.#limits.maxChunks} chunks`);
    const size = stored instanceof Uint8Array ? stored.byteLength : stored.reduce((sum, part) => sum + part.byteLength, 0);
    const record: ChunkRecord = ref ? { size, ref } : { size };
    // Registered before the bytes are out, so a concurrent volume finds it; failures fail the whole writer anyway.
    this.#chunks.set(sha256, record);
    await this.#writeEntry(path, stored);
    this.#chunkBytes += size;
  }

  async #writeJson(path: string, value: unknown, options: { compress?: boolean; record?: boolean } = {}): Promise<void> {
    const json = encodeJson(value);
    if (json.byteLength > this.#limits.maxJsonEntryBytes) {
      throw new InputError(`bundle entry ${path}: ${formatBytes(json.byteLength)} is over the ${formatBytes(this.#limits.maxJsonEntryBytes)} limit for a JSON entry`);
    }
    const bytes = options.compress === false ? json : zstdEncodeSync(json);
    await this.#writeEntry(path, bytes);
    if (options.record !== false) this.#entries.push({ path, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
  }

  /** Writes one entry whose body is `bytes`, or the concatenation of its parts (written as they are, never copied). */
  async #writeEntry(path: string, bytes: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const parts = bytes instanceof Uint8Array ? [bytes] : bytes;
    const size = parts.reduce((sum, part) => sum + part.byteLength, 0);
    await this.#write(tarHeaderBlocks({ name: path, size, mtime: this.#mtime.getTime() / 1000 }));
    for (const part of parts) await this.#write(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
    await this.#write(padding(size));
    if (this.#failed) throw this.#failed;
  }

  /**
   * Hands bytes to `out`: small pieces are gathered into writes of at least COALESCE_BYTES (one thread-pool round
   * trip each), large ones go as they are. Waits while `out` holds more than MAX_AHEAD_BYTES not yet written, so
   * reading, hashing and writing overlap without the output buffering a whole volume.
   */
  async #write(bytes: Buffer, written?: () => void): Promise<void> {
    if (bytes.byteLength === 0) return;
    if (written) {
      // Lent memory goes to `out` as it is, and comes back through the write's callback.
      await this.#flush().catch((error: unknown) => (written(), Promise.reject(error)));
      await this.#send(bytes, written);
      return;
    }
    if (bytes.byteLength < COALESCE_BYTES) {
      this.#pending.push(bytes);
      this.#pendingBytes += bytes.byteLength;
      if (this.#pendingBytes >= COALESCE_BYTES) await this.#flush();
      return;
    }
    await this.#flush();
    await this.#send(bytes);
  }

  async #flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const gathered = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#send(gathered);
  }

  async #send(bytes: Buffer, written?: () => void): Promise<void> {
    if (this.#failed) {
      written?.();
      throw this.#failed;
    }
    // The callback runs once `out` has written the bytes or failed (a destroyed stream calls it with the error).
    if (written) this.#out.write(bytes, () => written());
    else this.#out.write(bytes);
    while (this.#out.writableLength > MAX_AHEAD_BYTES && !this.#failed && !this.#out.destroyed) await once(this.#out, 'drain').catch(() => {});
    if (this.#failed) throw this.#failed;
  }
}

/** Chunks gathered before they go on: large enough that per-chunk costs vanish, small next to the data they carry. */
export const COALESCE_BYTES = 64 * 1024;
/** Most bytes the writer lets `out` hold that it has not written yet: a few chunks. */
export const MAX_AHEAD_BYTES = 4 * 1024 * 1024;
/**
 * Lent pieces handed to `out` and not yet written, at most: with pieces of the reader's segment size this keeps the
 * bytes between their read and their write within the CPU's cache, which halved the kernel's copying time against
 * a megabyte or more waiting (a copy of a gibibyte file through 128 KiB pieces against 1 MiB ones).
 */
export const LENT_IN_FLIGHT = 2;

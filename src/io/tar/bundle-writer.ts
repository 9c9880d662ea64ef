// Streams a v1alpha1 bundle to a Writable: entries in the enforced order, fixed tar headers, optional gzip, no seeking.

import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar, { type Header as TarHeader, type Pack } from 'tar-stream';
import {
  buildTrailer,
  canonicalExportRecord,
  canonicalHeader,
  checkExportRecord,
  checkObject,
  DataReferences,
  DEFAULT_LIMITS,
  encodeJson,
  EntryOrder,
  exportPath,
  formatBytes,
  GRAPH_PATH,
  HEADER_PATH,
  isProblem,
  objectPath,
  problemError,
  schemaProblem,
  TRAILER_PATH,
  type BundleHeader,
  type BundleLimits,
  type EntryPath,
  type ExportRecord,
  type Trailer,
  type TrailerEntry,
} from '../../bundle/index.ts';
import { InputError, InternalError } from '../../errors.ts';
import type { Graph } from '../../graph/index.ts';
import type { KubeObject } from '../../model/kube-object.ts';
import type { ObjectRef } from '../../model/object-ref.ts';

/** The gzip level every bundle is written with, so the same input gives the same bytes. */
export const GZIP_LEVEL = 6;

export interface BundleWriterOptions {
  /** Gzip the tar (level GZIP_LEVEL; the gzip header carries mtime 0). */
  gzip?: boolean;
  /** Keep export records' `token`; without it the token is dropped before writing. */
  includeToken?: boolean;
  /** End `out` when the bundle is complete (default true). */
  end?: boolean;
  limits?: Partial<BundleLimits>;
}

/** Writes one bundle. Calls must follow the layout order; each returns once its entry is handed to the stream. */
export interface BundleWriter {
  writeHeader(header: BundleHeader): Promise<void>;
  writeGraph(graph: Graph): Promise<void>;
  /**
   * Writes one object exactly as given (no key reordered). `ref` must be the object's own identity: a namespaced
   * object carries its namespace (apply the default namespace before writing). Objects come sorted by ref.
   */
  writeObject(ref: ObjectRef, object: KubeObject): Promise<void>;
  writeExport(record: ExportRecord): Promise<void>;
  /** Streams volume data listed by an export record; `size` must be the declared size and the exact byte count. */
  writeData(path: string, data: Readable | AsyncIterable<Uint8Array>, size: number): Promise<void>;
  /** Checks the header's counts, writes the trailer, ends the tar and waits until `out` has everything. */
  finish(): Promise<Trailer>;
  /** Stops writing: destroys the tar stream (and `out`) with `error`. */
  abort(error?: Error): void;
}

/** Starts a bundle on `out`; nothing is written until `writeHeader`. */
export function createBundleWriter(out: Writable, options: BundleWriterOptions = {}): BundleWriter {
  return new TarBundleWriter(out, options);
}

class TarBundleWriter implements BundleWriter {
  readonly #pack = tar.pack();
  readonly #done: Promise<void>;
  readonly #includeToken: boolean;
  readonly #limits: BundleLimits;
  readonly #order: EntryOrder;
  readonly #entries: TrailerEntry[] = [];
  readonly #data = new DataReferences();
  #header: BundleHeader | undefined;
  #mtime = new Date(0);
  #counts = { objects: 0, exports: 0, data: 0 };
  #failed: Error | undefined;
  #busy = false;

  constructor(out: Writable, options: BundleWriterOptions) {
    this.#includeToken = options.includeToken ?? false;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#order = new EntryOrder(this.#limits.maxEntries);
    // tar-stream's Pack is a streamx Readable; Node's pipeline drives it like any readable stream.
    const packed = this.#pack as unknown as Readable;
    const end = options.end ?? true;
    // tar-stream emits every header, body and padding as its own chunk; gathering them first spares gzip and the
    // file one round trip to the thread pool per chunk (three per entry).
    this.#done = options.gzip
      ? pipeline(packed, coalesce, createGzip({ level: GZIP_LEVEL }), out, { end })
      : pipeline(packed, coalesce, out, { end });
    // Failures surface through the calls (and finish); never as an unhandled rejection.
    this.#done.catch((error: unknown) => {
      this.#failed ??= error instanceof Error ? error : new Error(String(error));
    });
  }

  async writeHeader(header: BundleHeader): Promise<void> {
    await this.#step(HEADER_PATH, async (path) => {
      const problem = schemaProblem('header.v1alpha1', path, header);
      if (problem) throw problemError(problem);
      this.#header = canonicalHeader(header);
      this.#mtime = new Date(Math.max(0, Math.floor(Date.parse(header.createdAt) / 1000)) * 1000);
      await this.#writeJson(path, this.#header);
    });
  }

  async writeGraph(graph: Graph): Promise<void> {
    await this.#step(GRAPH_PATH, async (path) => {
      const problem = schemaProblem('graph.v1alpha1', path, graph);
      if (problem) throw problemError(problem);
      await this.#writeJson(path, graph);
    });
  }

  async writeObject(ref: ObjectRef, object: KubeObject): Promise<void> {
    await this.#step(objectPath(ref), async (path, entry) => {
      if (entry.section !== 'object') throw new InternalError(`${path} is not an object path`);
      const problem = checkObject(entry, object);
      if (problem) throw problemError(problem);
      await this.#writeJson(path, object);
      this.#counts.objects += 1;
    });
  }

  async writeExport(record: ExportRecord): Promise<void> {
    await this.#step(exportPath(record.namespace, record.vmName), async (path, entry) => {
      if (entry.section !== 'export') throw new InternalError(`${path} is not an export record path`);
      const problem = checkExportRecord(entry, record);
      if (problem) throw problemError(problem);
      const problems = this.#data.declare(record);
      if (problems[0]) throw problemError(problems[0]);
      await this.#writeJson(path, canonicalExportRecord(record, this.#includeToken));
      this.#counts.exports += 1;
    });
  }

  async writeData(path: string, data: Readable | AsyncIterable<Uint8Array>, size: number): Promise<void> {
    await this.#step(path, async () => {
      if (!Number.isSafeInteger(size) || size < 0) throw new InternalError(`bundle entry ${path}: invalid size ${size}`);
      const problem = this.#data.written(path, size);
      if (problem) throw problemError(problem);
      const hash = createHash('sha256');
      let written = 0;
      const entryDone = this.#entryDone(path, size);
      const sink = this.#pack.entry(this.#tarHeader(path, size), entryDone.callback);
      // A failing entry reports through its callback; an 'error' event without a listener would crash the process.
      sink.on('error', () => {});
      for await (const chunk of data) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
        written += bytes.byteLength;
        if (written > size) throw new InputError(`bundle entry ${path}: data is longer than the declared ${size} bytes`);
        hash.update(bytes);
        if (!sink.write(bytes)) await drained(sink);
      }
      if (written !== size) throw new InputError(`bundle entry ${path}: data is ${written} bytes, declared ${size}`);
      sink.end(undefined);
      await entryDone.promise;
      this.#entries.push({ path, size, sha256: hash.digest('hex') });
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
      trailer = buildTrailer(this.#entries);
      const problem = schemaProblem('trailer.v1alpha1', path, trailer);
      if (problem) throw problemError(problem);
      await this.#writeJson(path, trailer, false);
      this.#pack.finalize();
    });
    await this.#done;
    if (this.#failed) throw this.#failed;
    return trailer as unknown as Trailer;
  }

  abort(error: Error = new Error('bundle writing aborted')): void {
    this.#failed ??= error;
    this.#pack.destroy(error);
  }

  /** Runs one entry's write: one at a time, in order, and the writer stays failed after any error. */
  async #step(path: string, write: (path: string, entry: EntryPath) => Promise<void>): Promise<void> {
    if (this.#failed) throw this.#failed;
    if (this.#busy) throw new InternalError(`bundle entry ${path}: written while another entry is still being written`);
    const entry = this.#order.next(path);
    if (isProblem(entry)) throw new InternalError(`bundle entry ${entry.entry ?? path}: ${entry.message}`);
    this.#busy = true;
    try {
      await write(path, entry);
    } catch (error) {
      this.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  async #writeJson(path: string, value: unknown, record = true): Promise<void> {
    const bytes = encodeJson(value);
    if (bytes.byteLength > this.#limits.maxJsonEntryBytes) {
      throw new InputError(`bundle entry ${path}: ${formatBytes(bytes.byteLength)} is over the ${formatBytes(this.#limits.maxJsonEntryBytes)} limit for a JSON entry`);
    }
    const done = this.#entryDone(path, bytes.byteLength);
    const sink = this.#pack.entry(this.#tarHeader(path, bytes.byteLength), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), done.callback);
    sink.on('error', () => {});
    await done.promise;
    if (record) this.#entries.push({ path, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
  }

  #tarHeader(path: string, size: number): TarHeader {
    return { name: path, size, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: this.#mtime, type: 'file', linkname: '', devmajor: 0, devminor: 0 };
  }

  #entryDone(path: string, size: number): { promise: Promise<void>; callback: (error?: Error | null) => void } {
    let callback: (error?: Error | null) => void = () => {};
    const promise = new Promise<void>((resolve, reject) => {
      callback = (error) => {
        if (error) reject(this.#failed ?? new InputError(`bundle entry ${path} (${size} bytes): ${error.message}`));
        else resolve();
      };
    });
    // When the entry fails because writing already failed, nobody awaits it: the first error is what callers see.
    promise.catch(() => {});
    return { promise, callback };
  }
}

/** Chunks gathered before they go on: large enough that per-chunk costs vanish, small next to the data they carry. */
export const COALESCE_BYTES = 64 * 1024;

/** Passes the bytes on unchanged, in chunks of at least COALESCE_BYTES (the last one may be shorter). */
async function* coalesce(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    if (size === 0 && chunk.byteLength >= COALESCE_BYTES) {
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      continue;
    }
    parts.push(chunk);
    size += chunk.byteLength;
    if (size >= COALESCE_BYTES) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

/** Resolves when a streamx writable can take more, rejects when it fails or closes first. */
function drained(sink: StreamxWritable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      sink.off('drain', onDrain);
      sink.off('error', onError);
      sink.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onClose = () => {
      cleanup();
      reject(new Error('tar entry closed before its data was written'));
    };
    sink.on('drain', onDrain);
    sink.on('error', onError);
    sink.on('close', onClose);
  });
}

/** The writable tar-stream returns for one entry (a streamx Writable). */
type StreamxWritable = ReturnType<Pack['entry']>;

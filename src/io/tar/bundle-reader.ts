// Reads a v1alpha1 bundle from a Readable in one pass: gzip sniffed, every entry checked, data streamed through a hash.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar, { type Extract as TarExtract } from 'tar-stream';
import {
  checkExportRecord,
  checkHeader,
  checkObject,
  checkTrailer,
  compareWithTrailer,
  contentsProblems,
  DataReferences,
  DEFAULT_LIMITS,
  EntryOrder,
  formatBytes,
  HEADER_PATH,
  isProblem,
  parseJsonEntry,
  problemError,
  schemaProblem,
  type BundleHeader,
  type BundleLimits,
  type BundleProblem,
  type DataFormat,
  type EntryPath,
  type ExportRecord,
  type Trailer,
  type TrailerEntry,
} from '../../bundle/index.ts';
import { BundleBounds, type BundleBudget } from '../../bundle/bounds.ts';
import type { Graph } from '../../graph/index.ts';
import type { KubeObject } from '../../model/kube-object.ts';
import type { SourcedObject } from '../../model/object-index.ts';
import type { ObjectRef } from '../../model/object-ref.ts';
import { countInput, guardTarHeaders } from './tar-guard.ts';

export interface OpenBundleOptions {
  /** Names the bundle in messages (`backup.tar: bundle entry …`). */
  source?: string;
  limits?: Partial<BundleLimits>;
  /**
   * Receives problems reading can go on after (schema, checksum, cross-reference, count); without it the first
   * problem of any kind is thrown. Structural problems (unsafe or unknown entries, order, truncation, version) are
   * always thrown, as an InputError whose message names the entry.
   */
  onProblem?: (problem: BundleProblem) => void;
  /**
   * Reads the graph entry without parsing it (it is still hashed and checked against the trailer), and returns an
   * empty graph: for callers that rebuild the graph from the objects, so a large one is not held twice.
   */
  skipGraph?: boolean;
  /** What reading may cost as a function of the bundle's size (tests shrink it). */
  budget?: Partial<BundleBudget>;
}

/** Everything but the volume data, read fully; `objects[].source` is the entry path. */
export interface BundleMetadata {
  header: BundleHeader;
  graph: Graph;
  objects: SourcedObject[];
  /** The ref of each object in `objects`, same order (sorted, as the bundle stores them). */
  refs: ObjectRef[];
  exports: ExportRecord[];
}

/** One volume data entry: consume `stream` (or call `skip`) before asking for the next. */
export interface DataEntry {
  path: string;
  namespace: string;
  volume: string;
  format: DataFormat;
  size: number;
  stream: Readable;
  /** Reads the rest of the entry without keeping it (it is still hashed). */
  skip(): Promise<void>;
}

/** A bundle being read: `metadata()`, then `dataEntries()`, then `finish()`, each at most once, in that order. */
export interface BundleReader {
  metadata(): Promise<BundleMetadata>;
  dataEntries(): AsyncGenerator<DataEntry, void, undefined>;
  /** Reads what is left, checks every entry against the trailer and that nothing follows it. */
  finish(): Promise<Trailer>;
  /** Stops reading and releases the input; safe at any point, also after `finish()`. */
  close(): void;
}

/** One entry of an extract stream: a streamx Readable with its tar header. */
type TarEntry = TarExtract extends AsyncIterable<infer Entry> ? Entry : never;

interface Pending {
  entry: EntryPath;
  tar: TarEntry;
}

/** Opens a bundle (tar or tar.gz, detected from the first bytes); `options` may be just the bundle's name. */
export async function openBundle(input: Readable, options: OpenBundleOptions | string = {}): Promise<BundleReader> {
  const settings = typeof options === 'string' ? { source: options } : options;
  const { source, gzipped } = await sniffGzip(input);
  const extract = tar.extract();
  const bounds = new BundleBounds(settings.budget);
  // Larger inflated chunks than zlib's 16 KiB default: fewer callbacks, and tar-stream then sees whole small entries.
  const guards = [countInput(bounds), ...(gzipped ? [createGunzip({ chunkSize: 64 * 1024 })] : []), guardTarHeaders(settings.source)];
  const done = pipeline([source, ...guards, extract]);
  return new TarBundleReader(input, extract, done, settings, bounds);
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** How messages name the tar entry types a bundle never holds. */
const TYPE_NAMES: Record<string, string> = {
  link: 'hard link',
  symlink: 'symbolic link',
  'character-device': 'character device',
  'block-device': 'block device',
  fifo: 'FIFO',
  directory: 'directory',
  'contiguous-file': 'contiguous file',
};

async function sniffGzip(input: Readable): Promise<{ source: Readable; gzipped: boolean }> {
  const iterator: AsyncIterator<unknown> = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.byteLength < GZIP_MAGIC.length) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head = Buffer.concat([head, toBuffer(next.value)]);
  }
  const gzipped = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.byteLength > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield toBuffer(next.value);
    }
  }
  return { source: Readable.from(rest(), { objectMode: false }), gzipped };
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk));
}

class TarBundleReader implements BundleReader {
  readonly #input: Readable;
  readonly #extract: TarExtract;
  readonly #entries: AsyncIterator<TarEntry>;
  readonly #done: Promise<void>;
  readonly #limits: BundleLimits;
  readonly #onProblem: ((problem: BundleProblem) => void) | undefined;
  readonly #source: string | undefined;
  readonly #skipGraph: boolean;
  readonly #order: EntryOrder;
  readonly #seen: TrailerEntry[] = [];
  readonly #data = new DataReferences();
  #pending: Pending | undefined;
  #current: string | undefined;
  #metadataBytes = 0;
  #metadata: Promise<BundleMetadata> | undefined;
  #header: BundleHeader | undefined;
  #dataStarted = false;
  #finished = false;
  #dataCount = 0;

  readonly #bounds: BundleBounds;

  constructor(input: Readable, extract: TarExtract, done: Promise<void>, options: OpenBundleOptions, bounds: BundleBounds) {
    this.#bounds = bounds;
    this.#input = input;
    this.#extract = extract;
    this.#entries = extract[Symbol.asyncIterator]();
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#onProblem = options.onProblem;
    this.#source = options.source;
    this.#skipGraph = options.skipGraph ?? false;
    this.#order = new EntryOrder(this.#limits.maxEntries);
    this.#done = done;
    // Errors reach the caller through the entry iterator; this only keeps the rejection handled.
    this.#done.catch(() => {});
  }

  metadata(): Promise<BundleMetadata> {
    this.#metadata ??= this.#readMetadata();
    return this.#metadata;
  }

  async *dataEntries(): AsyncGenerator<DataEntry, void, undefined> {
    await this.metadata();
    if (this.#dataStarted) throw new Error('dataEntries() may be iterated only once');
    this.#dataStarted = true;
    for (;;) {
      const data = await this.#nextData();
      if (!data) return;
      try {
        yield data.entry;
      } finally {
        await data.drain();
      }
    }
  }

  async finish(): Promise<Trailer> {
    await this.metadata();
    if (this.#finished) throw new Error('finish() may be called only once');
    this.#finished = true;
    // Data the caller did not iterate (or left by breaking out of the loop) is still read and hashed.
    for (let data = await this.#nextData(); data; data = await this.#nextData()) await data.drain();
    const pending = await this.#peek();
    if (!pending) throw this.#fatal(this.#order.endProblem() ?? { code: 'missing-trailer', message: 'no trailer' });
    if (pending.entry.section !== 'trailer') {
      throw this.#fatal({ code: 'out-of-order', entry: pending.entry.path, message: 'out of order (expected the trailer)' });
    }
    this.#pending = undefined;
    const bytes = await this.#readJsonBytes(pending.entry.path, pending.tar, false);
    const parsed = parseJsonEntry(pending.entry.path, bytes);
    if (isProblem(parsed)) throw this.#fatal(parsed);
    const schema = checkTrailer(pending.entry.path, parsed.value);
    if (schema) throw this.#fatal(schema);
    const trailer = parsed.value as Trailer;
    const after = await this.#next();
    if (after) throw this.#fatal({ code: 'after-trailer', entry: after.entry.path, message: 'entry after the trailer (trailer.json must be last)' });
    await this.#done.catch((error: unknown) => {
      throw this.#readFailure(error);
    });
    if (this.#header) for (const problem of contentsProblems(HEADER_PATH, this.#header, { data: this.#dataCount })) this.#report(problem);
    for (const problem of this.#data.unwritten()) this.#report(problem);
    for (const problem of compareWithTrailer(this.#seen, trailer)) this.#report(problem);
    return trailer;
  }

  close(): void {
    this.#extract.destroy();
    this.#input.destroy();
  }

  async #readMetadata(): Promise<BundleMetadata> {
    const header = await this.#readHeader();
    const graph = await this.#readGraph();
    const objects: SourcedObject[] = [];
    const refs: ObjectRef[] = [];
    const exports: ExportRecord[] = [];
    for (;;) {
      const pending = await this.#peek();
      if (!pending || (pending.entry.section !== 'object' && pending.entry.section !== 'export')) break;
      this.#pending = undefined;
      const { entry } = pending;
      const value = await this.#readJson(entry.path, pending.tar);
      if (value === undefined) continue;
      if (entry.section === 'object') {
        const problem = checkObject(entry, value);
        if (problem) {
          this.#report(problem);
          continue;
        }
        objects.push({ object: value as KubeObject, source: entry.path });
        refs.push(entry.ref);
      } else {
        const problem = checkExportRecord(entry, value);
        if (problem) {
          this.#report(problem);
          continue;
        }
        const record = value as ExportRecord;
        for (const declared of this.#data.declare(record)) this.#report(declared);
        exports.push(record);
      }
    }
    for (const problem of contentsProblems(HEADER_PATH, header, { objects: objects.length, exports: exports.length })) this.#report(problem);
    return { header, graph, objects, refs, exports };
  }

  async #readHeader(): Promise<BundleHeader> {
    const pending = await this.#peek();
    if (!pending) throw this.#fatal(this.#order.endProblem() ?? { code: 'missing-header', message: 'no header' });
    this.#pending = undefined;
    const bytes = await this.#readJsonBytes(pending.entry.path, pending.tar);
    const parsed = parseJsonEntry(pending.entry.path, bytes);
    if (isProblem(parsed)) throw this.#fatal(parsed);
    const checked = checkHeader(pending.entry.path, parsed.value);
    if (checked.problem) {
      if (checked.fatal) throw this.#fatal(checked.problem);
      this.#report(checked.problem);
    }
    this.#header = checked.header;
    return checked.header;
  }

  async #readGraph(): Promise<Graph> {
    const pending = await this.#peek();
    if (!pending) throw this.#fatal(this.#order.endProblem() ?? { code: 'missing-graph', message: 'no graph' });
    this.#pending = undefined;
    if (this.#skipGraph) {
      await this.#readJsonBytes(pending.entry.path, pending.tar);
      return { nodes: [], edges: [] };
    }
    const value = await this.#readJson(pending.entry.path, pending.tar);
    const problem = value === undefined ? undefined : schemaProblem('graph.v1alpha1', pending.entry.path, value);
    if (problem) this.#report(problem);
    return value === undefined || problem ? { nodes: [], edges: [] } : (value as Graph);
  }

  /** Reads and parses a JSON entry; undefined (after reporting) when it is not JSON. */
  async #readJson(path: string, entry: TarEntry): Promise<unknown> {
    const parsed = parseJsonEntry(path, await this.#readJsonBytes(path, entry));
    if (isProblem(parsed)) {
      this.#report(parsed);
      return undefined;
    }
    return parsed.value;
  }

  async #readJsonBytes(path: string, entry: TarEntry, record = true): Promise<Buffer> {
    const size = entry.header.size ?? 0;
    const chunks: Buffer[] = [];
    this.#current = path;
    let received = 0;
    for await (const chunk of this.#guard(entry)) {
      chunks.push(chunk);
      const overBound = this.#bounds.jsonBytes(path, (received += chunk.byteLength));
      if (overBound) throw this.#fatal(overBound);
    }
    this.#current = undefined;
    const bytes = Buffer.concat(chunks);
    if (bytes.byteLength !== size) throw this.#fatal({ code: 'truncated', entry: path, message: 'truncated entry' });
    const overBound = this.#bounds.jsonEntry(path, bytes);
    if (overBound) throw this.#fatal(overBound);
    if (record) this.#seen.push({ path, size, sha256: createHash('sha256').update(bytes).digest('hex') });
    return bytes;
  }

  /** Takes the next entry when it is volume data. */
  async #nextData(): Promise<{ entry: DataEntry; drain(): Promise<void> } | undefined> {
    const pending = await this.#peek();
    if (!pending || pending.entry.section !== 'data') return undefined;
    this.#pending = undefined;
    return this.#openData(pending.entry, pending.tar);
  }

  #openData(entry: Extract<EntryPath, { section: 'data' }>, tarEntry: TarEntry): { entry: DataEntry; drain(): Promise<void> } {
    const size = tarEntry.header.size ?? 0;
    const sizeProblem = this.#data.written(entry.path, size);
    if (sizeProblem) this.#report(sizeProblem);
    this.#dataCount += 1;
    const hash = createHash('sha256');
    let count = 0;
    const guarded = this.#guard(tarEntry);
    const reader = this;
    async function* hashed(): AsyncGenerator<Buffer> {
      reader.#current = entry.path;
      for await (const chunk of guarded) {
        hash.update(chunk);
        count += chunk.byteLength;
        yield chunk;
      }
      reader.#current = undefined;
      if (count !== size) throw reader.#fatal({ code: 'truncated', entry: entry.path, message: 'truncated entry' });
      const sha256 = hash.digest('hex');
      reader.#seen.push({ path: entry.path, size, sha256 });
      const digestProblem = reader.#data.digest(entry.path, sha256);
      if (digestProblem) reader.#report(digestProblem);
    }
    const stream = Readable.from(hashed(), { objectMode: false });
    const drain = async () => {
      if (!stream.readableEnded && !stream.destroyed) stream.resume();
      await finished(stream);
    };
    return {
      entry: { path: entry.path, namespace: entry.namespace, volume: entry.volume, format: entry.format, size, stream, skip: drain },
      drain,
    };
  }

  /** The next entry without taking it. */
  async #peek(): Promise<Pending | undefined> {
    this.#pending ??= await this.#next();
    return this.#pending;
  }

  /** Takes the next tar entry and checks its name, type, place and size before any of its bytes are read. */
  async #next(): Promise<Pending | undefined> {
    let result: IteratorResult<TarEntry>;
    try {
      result = await this.#entries.next();
    } catch (error) {
      throw this.#readFailure(error);
    }
    if (result.done) return undefined;
    const tarEntry = result.value;
    const { name, type } = tarEntry.header;
    if (type !== 'file') {
      throw this.#fatal({ code: 'entry-type', entry: name, message: `${TYPE_NAMES[type ?? ''] ?? 'entry of an unknown type'} not allowed (regular files only)` });
    }
    const entry = this.#order.next(name);
    if (isProblem(entry)) throw this.#fatal(entry);
    const size = tarEntry.header.size ?? -1;
    if (!Number.isSafeInteger(size) || size < 0) throw this.#fatal({ code: 'bad-size', entry: name, message: `invalid size ${size}` });
    if (entry.section !== 'data') {
      if (size > this.#limits.maxJsonEntryBytes) {
        throw this.#fatal({ code: 'oversize', entry: name, message: `${formatBytes(size)} is over the ${formatBytes(this.#limits.maxJsonEntryBytes)} limit for a JSON entry` });
      }
      this.#metadataBytes += size;
      if (this.#metadataBytes > this.#limits.maxMetadataBytes) {
        throw this.#fatal({ code: 'oversize', entry: name, message: `JSON entries total over the ${formatBytes(this.#limits.maxMetadataBytes)} limit` });
      }
    }
    return { entry, tar: tarEntry };
  }

  /** Iterates an entry's bytes, turning stream failures (truncation, bad gzip) into one-line InputErrors. */
  async *#guard(entry: TarEntry): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of entry) yield toBuffer(chunk);
    } catch (error) {
      throw this.#readFailure(error);
    }
  }

  #readFailure(error: unknown): Error {
    if (error instanceof Error && 'problem' in error) return error;
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    const truncated = /unexpected end/i.test(message) || code === 'Z_BUF_ERROR' || code === 'ERR_STREAM_PREMATURE_CLOSE';
    const problem: BundleProblem = truncated
      ? { code: 'truncated', message: `truncated (${message.toLowerCase().replace(/\.$/, '')})` }
      : { code: 'corrupt', message: `not a readable tar or tar.gz bundle (${message.replace(/\.$/, '')})` };
    const entry = this.#current ?? this.#pending?.entry.path;
    return this.#fatal(entry === undefined ? problem : { ...problem, entry });
  }

  #fatal(problem: BundleProblem): Error {
    this.close();
    return problemError(problem, this.#source);
  }

  #report(problem: BundleProblem): void {
    if (this.#onProblem) this.#onProblem(problem);
    else throw this.#fatal(problem);
  }
}

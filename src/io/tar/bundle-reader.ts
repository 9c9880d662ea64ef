// Reads a bundle (v1alpha2, or v1alpha1) from a Readable in one pass: every entry checked, data streamed through a hash.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar, { type Extract as TarExtract } from 'tar-stream';
import {
  checkExportRecord,
  chunkPath,
  isZeroExtent,
  volumeIndexProblem,
  type FormatVersion,
  type VolumeIndex,
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
  unsafeNameReason,
  ZSTD_SUFFIX,
} from '../../bundle/index.ts';
import { BundleBounds, type BundleBudget } from '../../bundle/bounds.ts';
import { InternalError, KvbError } from '../../errors.ts';
import type { Graph } from '../../graph/index.ts';
import type { KubeObject } from '../../model/kube-object.ts';
import type { SourcedObject } from '../../model/object-index.ts';
import type { ObjectRef } from '../../model/object-ref.ts';
import { looksLikeZstd, zstdDecodeSync } from '../chunks/codec.ts';
import { FileSegments } from './file-segments.ts';
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
  /**
   * How much the reader checks of each v1alpha2 chunk entry it passes: `stored` (default) hashes the stored bytes
   * and compares them with what the indexes say; `size` only compares sizes (for a verbatim copy whose consumer
   * verifies otherwise). Either way every chunk must be named by an index and stored once. The content digest of
   * a chunk is checked where its bytes are decoded (`readVolume`).
   */
  verifyChunks?: 'stored' | 'size';
  /** What reading may cost as a function of the bundle's size (tests shrink it). */
  budget?: Partial<BundleBudget>;
  /**
   * The path of the regular file `input` reads from its start. A plain (not gzipped) bundle is then read from the
   * file directly, in reads into a few reused buffers, and `input` is closed; chunk entries can lend their bytes
   * (`lendPieces`) instead of handing over fresh memory. Tests pass `segments` to shrink the buffers.
   */
  file?: string;
  segments?: { segmentBytes?: number; poolSize?: number };
  /**
   * Receives the stored bytes of every entry but the chunks (header, graph, objects, exports, indexes, trailer)
   * as they are read, before they are parsed: `push` uploads them as they are.
   */
  onEntryBytes?: (path: string, stored: Buffer) => void;
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

/** A v1alpha1 volume data file: consume `stream` (or call `skip`) before asking for the next entry. */
export interface FileDataEntry {
  kind: 'file';
  path: string;
  namespace: string;
  volume: string;
  format: DataFormat;
  size: number;
  stream: Readable;
  /** Reads the rest of the entry without keeping it (it is still hashed). */
  skip(): Promise<void>;
}

/** A v1alpha2 chunk entry `chunks/sha256/<hex>`: call `read` or `skip` before asking for the next entry. */
export interface ChunkEntry {
  kind: 'chunk';
  path: string;
  /** sha256 of the chunk's uncompressed bytes, from its name (checked where it is decoded). */
  sha256: string;
  /** Bytes stored in the entry (at most `maxChunkBytes`, checked from the tar header). */
  size: number;
  /** Where the stored bytes start in the input (-1 when it is gzipped): a file read from its start holds them there. */
  position: number;
  /** The stored bytes (a zstd frame or the raw chunk), as the tar entry holds them. */
  read(): Promise<Buffer>;
  /** The stored bytes in the pieces the input delivered them (no copy), for a verbatim copy. */
  readParts(): Promise<Buffer[]>;
  /**
   * The stored bytes as they arrive, each piece a view the reader lends (no copy) until its `release()` is called,
   * which the caller does once it no longer needs it (written out): its memory may then hold later bytes of the
   * bundle. Read every piece (the size and framing checks run at the end). Read from a file
   * (`OpenBundleOptions.file`), this is what lets a verbatim copy pass each piece on while it is still in the CPU's
   * cache, through a few reused buffers for a whole bundle.
   */
  lendPieces(): AsyncGenerator<LentBytes, void, undefined>;
  skip(): Promise<void>;
}

/** Bytes lent by the reader: call `release` once, when they are no longer used. */
export interface LentBytes {
  bytes: Buffer;
  release(): void;
}

/** A v1alpha2 volume index, parsed and checked: every chunk it names came before it, stored as it says. */
export interface IndexEntry {
  kind: 'index';
  path: string;
  index: VolumeIndex;
  skip(): Promise<void>;
}

/** An entry of the data section. */
export type DataEntry = FileDataEntry | ChunkEntry | IndexEntry;

/** A bundle being read: `metadata()`, then `dataEntries()`, then `finish()`, each at most once, in that order. */
export interface BundleReader {
  /** The bundle's format version, known once `metadata()` has read the header. */
  readonly version: FormatVersion;
  metadata(): Promise<BundleMetadata>;
  /** v1alpha1: the data files; v1alpha2: the chunk and index entries, in bundle order. */
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
  const segments = settings.file === undefined ? undefined : await plainFile(settings.file, settings.segments);
  if (segments) input.destroy();
  const { source, gzipped } = segments ? { source: segments.stream(), gzipped: false } : await sniffGzip(input);
  const extract = tar.extract();
  const bounds = new BundleBounds(settings.budget);
  // Larger inflated chunks than zlib's 16 KiB default: fewer callbacks, and tar-stream then sees whole small entries.
  // The guards pass the bytes on unchanged, so tar-stream's entry offsets stay positions in an uncompressed input.
  const guards = [countInput(bounds), ...(gzipped ? [createGunzip({ chunkSize: 64 * 1024 })] : []), guardTarHeaders(settings.source)];
  const done = pipeline([source, ...guards, extract]);
  return new TarBundleReader(segments ? source : input, extract, done, settings, bounds, gzipped, segments);
}

/**
 * The bundle file for reading in reused segments, unless it is gzipped (inflating makes fresh buffers anyway) or
 * cannot be opened again (then the stream the caller opened is read as usual).
 */
async function plainFile(path: string, options: OpenBundleOptions['segments']): Promise<FileSegments | undefined> {
  const segments = await FileSegments.open(path, options).catch(() => undefined);
  if (!segments) return undefined;
  const head = await segments.head(GZIP_MAGIC.length).catch(() => undefined);
  if (head && !(head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1])) return segments;
  await segments.close().catch(() => {});
  return undefined;
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

/**
 * Reads the first bytes to tell gzip from tar, then puts them back (`unshift`), so the bytes flow on through the
 * same stream with no extra layer.
 */
async function sniffGzip(input: Readable): Promise<{ source: Readable; gzipped: boolean }> {
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.byteLength < GZIP_MAGIC.length) {
    const chunk = input.read() as Buffer | string | null;
    if (chunk !== null) {
      head = Buffer.concat([head, toBuffer(chunk)]);
      continue;
    }
    if (input.readableEnded || input.destroyed) {
      ended = true;
      break;
    }
    ended = await new Promise<boolean>((resolve, reject) => {
      const cleanup = () => {
        input.off('readable', onReadable);
        input.off('end', onEnd);
        input.off('error', onError);
      };
      const onReadable = () => (cleanup(), resolve(false));
      const onEnd = () => (cleanup(), resolve(true));
      const onError = (error: Error) => (cleanup(), reject(error));
      input.once('readable', onReadable);
      input.once('end', onEnd);
      input.once('error', onError);
    });
    if (ended) break;
  }
  const gzipped = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  // A stream that already ended cannot take its bytes back: the few read are all there is.
  if (ended) return { source: Readable.from([head]), gzipped };
  if (head.byteLength > 0) input.unshift(head);
  return { source: input, gzipped };
}

/** Bytes a zstd frame's magic number takes. */
const ZSTD_MAGIC_BYTES = 4;

/** Whether the bytes, given in pieces (the first ones may be shorter than the magic number), begin a zstd frame. */
function startsLikeZstd(parts: readonly Buffer[]): boolean {
  const first = parts[0];
  if (first && first.byteLength >= ZSTD_MAGIC_BYTES) return looksLikeZstd(first);
  return looksLikeZstd(Buffer.concat(parts.slice(0, ZSTD_MAGIC_BYTES)).subarray(0, ZSTD_MAGIC_BYTES));
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk));
}

/** What the reader remembers of a chunk entry until the end: about 200 bytes each, bounded by `maxChunks`. */
interface ChunkSeen {
  size: number;
  /** sha256 of the stored bytes, when `verifyChunks` is `stored`. */
  storedSha256?: string;
  /** Whether the stored bytes begin like a zstd frame (the framing check, for every chunk). */
  zstdFramed?: boolean;
  /** Set once an index names it. */
  referenced: boolean;
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
  readonly #verifyChunks: 'stored' | 'size';
  readonly #onEntryBytes: ((path: string, stored: Buffer) => void) | undefined;
  /** Positions in a gzipped input are not positions in the file. */
  readonly #gzipped: boolean;
  readonly #seen: TrailerEntry[] = [];
  readonly #chunks = new Map<string, ChunkSeen>();
  /** sha256 of an all-zero chunk of each chunk size seen, to refuse a stored zero chunk. */
  readonly #zeroDigests = new Map<number, string>();
  #order: EntryOrder | undefined;
  #data = new DataReferences('v1alpha1');
  #version: FormatVersion = 'v1alpha1';
  #pending: Pending | undefined;
  #current: string | undefined;
  #metadataBytes = 0;
  #chunkBytes = 0;
  #metadata: Promise<BundleMetadata> | undefined;
  #header: BundleHeader | undefined;
  #dataStarted = false;
  #finished = false;
  #dataCount = 0;
  #formats = new Map<string, string>();

  readonly #bounds: BundleBounds;
  /** Set when the bundle is read from a file in reused segments. */
  readonly #segments: FileSegments | undefined;

  constructor(input: Readable, extract: TarExtract, done: Promise<void>, options: OpenBundleOptions, bounds: BundleBounds, gzipped: boolean, segments?: FileSegments) {
    this.#bounds = bounds;
    this.#segments = segments;
    this.#input = input;
    this.#gzipped = gzipped;
    this.#extract = extract;
    this.#entries = extract[Symbol.asyncIterator]();
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#onProblem = options.onProblem;
    this.#source = options.source;
    this.#skipGraph = options.skipGraph ?? false;
    this.#verifyChunks = options.verifyChunks ?? 'stored';
    this.#onEntryBytes = options.onEntryBytes;
    this.#done = done;
    // Errors reach the caller through the entry iterator; this only keeps the rejection handled.
    this.#done.catch(() => {});
  }

  get version(): FormatVersion {
    return this.#version;
  }

  metadata(): Promise<BundleMetadata> {
    this.#metadata ??= this.#readMetadata();
    return this.#metadata;
  }

  async *dataEntries(): AsyncGenerator<DataEntry, void, undefined> {
    await this.metadata();
    if (this.#dataStarted) throw new InternalError('dataEntries() may be iterated only once');
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
    if (this.#finished) throw new InternalError('finish() may be called only once');
    this.#finished = true;
    // Data the caller did not iterate (or left by breaking out of the loop) is still read and checked.
    for (let data = await this.#nextData(); data; data = await this.#nextData()) await data.drain();
    const pending = await this.#peek();
    const order = this.#order as EntryOrder;
    if (!pending) throw this.#fatal(order.endProblem() ?? { code: 'missing-trailer', message: 'no trailer' });
    if (pending.entry.section !== 'trailer') {
      throw this.#fatal({ code: 'out-of-order', entry: pending.entry.path, message: 'out of order (expected the trailer)' });
    }
    this.#pending = undefined;
    const bytes = await this.#readEntryBytes(pending.entry.path, pending.tar, false);
    this.#checkJsonBudget(pending.entry.path, bytes);
    const parsed = parseJsonEntry(pending.entry.path, bytes);
    if (isProblem(parsed)) throw this.#fatal(parsed);
    const schema = checkTrailer(pending.entry.path, parsed.value, this.#version);
    if (schema) throw this.#fatal(schema);
    const trailer = parsed.value as Trailer;
    const after = await this.#next();
    if (after) throw this.#fatal({ code: 'after-trailer', entry: after.entry.path, message: 'entry after the trailer (trailer.json must be last)' });
    await this.#done.catch((error: unknown) => {
      throw this.#readFailure(error);
    });
    if (this.#header) for (const problem of contentsProblems(HEADER_PATH, this.#header, { data: this.#dataCount })) this.#report(problem);
    for (const problem of this.#data.unwritten()) this.#report(problem);
    if (this.#version !== 'v1alpha1') {
      for (const [sha256, chunk] of this.#chunks) {
        if (!chunk.referenced) this.#report({ code: 'chunk-unreferenced', entry: chunkPath(sha256), message: 'chunk not named by any volume index' });
      }
      const chunks = trailer.chunks;
      if (chunks && (chunks.count !== this.#chunks.size || chunks.storedBytes !== this.#chunkBytes)) {
        this.#report({
          code: 'trailer-chunks',
          entry: pending.entry.path,
          message: `counts ${chunks.count} chunks of ${chunks.storedBytes} bytes, the bundle holds ${this.#chunks.size} of ${this.#chunkBytes}`,
        });
      }
    }
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
        const problem = checkExportRecord(entry, value, this.#version);
        if (problem) {
          this.#report(problem);
          continue;
        }
        const record = value as ExportRecord;
        for (const declared of this.#data.declare(record)) this.#report(declared);
        for (const item of record.data) this.#formats.set(item.path, item.format);
        exports.push(record);
      }
    }
    for (const problem of contentsProblems(HEADER_PATH, header, { objects: objects.length, exports: exports.length })) this.#report(problem);
    return { header, graph, objects, refs, exports };
  }

  async #readHeader(): Promise<BundleHeader> {
    const pending = await this.#peek();
    if (!pending) throw this.#fatal({ code: 'missing-header', message: `no header ${HEADER_PATH} (empty or not a bundle)` });
    this.#pending = undefined;
    const bytes = await this.#readEntryBytes(pending.entry.path, pending.tar);
    this.#checkJsonBudget(pending.entry.path, bytes);
    const parsed = parseJsonEntry(pending.entry.path, bytes);
    if (isProblem(parsed)) throw this.#fatal(parsed);
    const checked = checkHeader(pending.entry.path, parsed.value);
    if (checked.problem?.code === 'not-a-bundle' || checked.problem?.code === 'unsupported-version') throw this.#fatal(checked.problem);
    // The version decides the layout of everything after the header.
    this.#version = checked.header.formatVersion;
    this.#order = new EntryOrder(this.#limits.maxEntries, this.#version);
    this.#order.next(HEADER_PATH);
    this.#data = new DataReferences(this.#version);
    if (checked.problem) {
      if (checked.fatal) throw this.#fatal(checked.problem);
      this.#report(checked.problem);
    }
    this.#header = checked.header;
    return checked.header;
  }

  async #readGraph(): Promise<Graph> {
    const pending = await this.#peek();
    if (!pending) throw this.#fatal((this.#order as EntryOrder).endProblem() ?? { code: 'missing-graph', message: 'no graph' });
    this.#pending = undefined;
    if (this.#skipGraph) {
      await this.#readEntryBytes(pending.entry.path, pending.tar);
      return { nodes: [], edges: [] };
    }
    const value = await this.#readJson(pending.entry.path, pending.tar);
    const problem = value === undefined ? undefined : schemaProblem('graph.v1alpha1', pending.entry.path, value);
    if (problem) this.#report(problem);
    return value === undefined || problem ? { nodes: [], edges: [] } : (value as Graph);
  }

  /** Reads, decompresses (v1alpha2) and parses a JSON entry; undefined (after reporting) when it is not JSON. */
  async #readJson(path: string, entry: TarEntry): Promise<unknown> {
    const bytes = await this.#readEntryBytes(path, entry);
    let json: Uint8Array = bytes;
    if (path.endsWith(ZSTD_SUFFIX)) {
      try {
        json = zstdDecodeSync(bytes, this.#limits.maxJsonEntryBytes);
      } catch (error) {
        this.#report({ code: 'bad-zstd', entry: path, message: (error as Error).message });
        return undefined;
      }
      this.#countMetadata(path, json.byteLength - bytes.byteLength);
    }
    this.#checkJsonBudget(path, json);
    const parsed = parseJsonEntry(path, json);
    if (isProblem(parsed)) {
      this.#report(parsed);
      return undefined;
    }
    return parsed.value;
  }

  /** An entry's bytes as the input delivered them (no copy), checked for length. */
  async #readEntryParts(path: string, entry: TarEntry): Promise<Buffer[]> {
    const size = entry.header.size ?? 0;
    const parts: Buffer[] = [];
    let count = 0;
    this.#current = path;
    for await (const part of this.#guard(entry)) {
      parts.push(part);
      count += part.byteLength;
    }
    this.#current = undefined;
    if (count !== size) throw this.#fatal({ code: 'truncated', entry: path, message: 'truncated entry' });
    return parts;
  }

  /**
   * A whole entry's bytes, as stored (a zstd frame for a v1alpha2 metadata entry), recorded for the trailer check.
   * An uncompressed JSON entry is checked against the JSON budget while it arrives.
   */
  async #readEntryBytes(path: string, entry: TarEntry, record = true): Promise<Buffer> {
    const size = entry.header.size ?? 0;
    const chunks: Buffer[] = [];
    const plainJson = !path.endsWith(ZSTD_SUFFIX);
    this.#current = path;
    let received = 0;
    for await (const chunk of this.#guard(entry)) {
      chunks.push(chunk);
      received += chunk.byteLength;
      const overBound = plainJson ? this.#bounds.jsonBytes(path, received) : undefined;
      if (overBound) throw this.#fatal(overBound);
    }
    this.#current = undefined;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    if (bytes.byteLength !== size) throw this.#fatal({ code: 'truncated', entry: path, message: 'truncated entry' });
    this.#onEntryBytes?.(path, bytes);
    if (record) this.#seen.push({ path, size, sha256: createHash('sha256').update(bytes).digest('hex') });
    return bytes;
  }

  /** Charges a JSON document (decompressed) to the bundle's budget: bytes, values and depth (src/bundle/bounds.ts). */
  #checkJsonBudget(path: string, json: Uint8Array): void {
    const overBound = this.#bounds.jsonEntry(path, json);
    if (overBound) throw this.#fatal(overBound);
  }

  /** Takes the next entry when it belongs to the data section. */
  async #nextData(): Promise<{ entry: DataEntry; drain(): Promise<void> } | undefined> {
    const pending = await this.#peek();
    if (!pending) return undefined;
    const { entry } = pending;
    if (entry.section === 'data') {
      this.#pending = undefined;
      return this.#openData(entry, pending.tar);
    }
    if (entry.section === 'chunk') {
      this.#pending = undefined;
      return this.#openChunk(entry, pending.tar);
    }
    if (entry.section === 'index') {
      this.#pending = undefined;
      const index = await this.#readIndex(entry, pending.tar);
      if (!index) return this.#nextData();
      const done = async () => {};
      return { entry: { kind: 'index', path: entry.path, index, skip: done }, drain: done };
    }
    return undefined;
  }

  #openChunk(entry: Extract<EntryPath, { section: 'chunk' }>, tarEntry: TarEntry): { entry: ChunkEntry; drain(): Promise<void> } {
    const size = tarEntry.header.size ?? 0;
    if (this.#chunks.has(entry.sha256)) throw this.#fatal({ code: 'duplicate-chunk', entry: entry.path, message: 'duplicate chunk entry (each chunk is stored once)' });
    if (this.#chunks.size >= this.#limits.maxChunks) throw this.#fatal({ code: 'too-many-chunks', entry: entry.path, message: `more than ${this.#limits.maxChunks} chunks` });
    const seen: ChunkSeen = { size, referenced: false };
    this.#chunks.set(entry.sha256, seen);
    this.#chunkBytes += size;
    const position = this.#gzipped ? -1 : ((tarEntry.header as { byteOffset?: number }).byteOffset ?? -1);
    const segments = this.#segments;
    // The body is read once; the framing check (and the hash, when verifying) happen as it is read.
    let loaded: Promise<Buffer[]> | undefined;
    // Set once `lendPieces` starts: the body is then read by it, piece by piece, and by nothing else.
    let lending: { done: boolean } | undefined;
    const load = (): Promise<Buffer[]> => {
      if (lending) return Promise.reject(new InternalError(`${entry.path}: read after lendPieces()`));
      loaded ??= this.#readEntryParts(entry.path, tarEntry).then((stored) => {
        seen.zstdFramed = startsLikeZstd(stored);
        if (this.#verifyChunks === 'stored') {
          const hash = createHash('sha256');
          for (const part of stored) hash.update(part);
          seen.storedSha256 = hash.digest('hex');
        }
        return stored;
      });
      return loaded;
    };
    const readParts = async (): Promise<Buffer[]> => {
      const stored = await load();
      // The caller keeps these views: their memory is never reused.
      segments?.detach(position, size);
      return stored;
    };
    const read = async (): Promise<Buffer> => {
      const stored = await readParts();
      return stored.length === 1 ? (stored[0] as Buffer) : Buffer.concat(stored);
    };
    const reader = this;
    const lendPieces = async function* (): AsyncGenerator<LentBytes, void, undefined> {
      if (loaded || lending) throw new InternalError(`${entry.path}: lendPieces() after the chunk was read`);
      const state = { done: false };
      lending = state;
      const hash = reader.#verifyChunks === 'stored' ? createHash('sha256') : undefined;
      let head: Buffer[] = [];
      let count = 0;
      reader.#current = entry.path;
      for await (const piece of reader.#guard(tarEntry)) {
        if (count < ZSTD_MAGIC_BYTES) head.push(piece);
        hash?.update(piece);
        // Held before the reader can pass this piece's segment: nothing else sees it until the caller releases it.
        const release = segments && position >= 0 ? segments.hold(position + count, piece.byteLength) : () => {};
        count += piece.byteLength;
        yield { bytes: piece, release };
      }
      reader.#current = undefined;
      if (count !== size) throw reader.#fatal({ code: 'truncated', entry: entry.path, message: 'truncated entry' });
      seen.zstdFramed = startsLikeZstd(head);
      head = [];
      if (hash) seen.storedSha256 = hash.digest('hex');
      state.done = true;
    };
    const skip = async () => {
      if (this.#verifyChunks === 'stored') {
        await load();
        return;
      }
      this.#current = entry.path;
      let count = 0;
      let head: Buffer[] = [];
      for await (const chunk of this.#guard(tarEntry)) {
        if (count < ZSTD_MAGIC_BYTES) head.push(chunk);
        count += chunk.byteLength;
      }
      seen.zstdFramed = startsLikeZstd(head);
      head = [];
      this.#current = undefined;
      if (count !== size) throw this.#fatal({ code: 'truncated', entry: entry.path, message: 'truncated entry' });
    };
    let drained: Promise<void> | undefined;
    const drain = () =>
      (drained ??= lending
        ? lending.done
          ? Promise.resolve()
          : Promise.reject(this.#fatal({ code: 'truncated', entry: entry.path, message: 'chunk entry not read to its end' }))
        : loaded
          ? loaded.then(() => {})
          : skip());
    return {
      entry: { kind: 'chunk', path: entry.path, sha256: entry.sha256, size, position, read, readParts, lendPieces, skip: drain },
      drain,
    };
  }

  /** Reads and checks a volume index; undefined (after reporting) when it cannot be used. */
  async #readIndex(entry: Extract<EntryPath, { section: 'index' }>, tarEntry: TarEntry): Promise<VolumeIndex | undefined> {
    this.#dataCount += 1;
    const listed = this.#data.written(entry.path);
    if (listed) this.#report(listed);
    const value = await this.#readJson(entry.path, tarEntry);
    if (value === undefined) return undefined;
    const schema = schemaProblem('volume-index.v1alpha2', entry.path, value);
    if (schema) {
      this.#report(schema);
      return undefined;
    }
    const index = value as VolumeIndex;
    const problem = this.#indexProblem(entry, index);
    if (problem) {
      this.#report(problem);
      return undefined;
    }
    return index;
  }

  /** Layout, identity, and every chunk named: stored before, once, the size (and stored digest) the index says. */
  #indexProblem(entry: Extract<EntryPath, { section: 'index' }>, index: VolumeIndex): BundleProblem | undefined {
    const path = entry.path;
    if (index.namespace !== entry.namespace || index.volume !== entry.volume) {
      return { code: 'index-path', entry: path, message: `holds the index of ${index.namespace}/${index.volume}, not ${entry.namespace}/${entry.volume} as its path says` };
    }
    const format = this.#formats.get(path);
    if (format !== undefined && format !== index.format) return { code: 'index-format', entry: path, message: `format ${index.format}, but the export record says ${format}` };
    const layout = volumeIndexProblem(path, index);
    if (layout) return layout;
    for (const extent of index.extents) {
      if (isZeroExtent(extent)) {
        const zero = this.#zeroDigest(index.chunkSize);
        if (this.#chunks.has(zero)) return { code: 'zero-chunk-stored', entry: chunkPath(zero), message: `an all-zero chunk is stored, but zero extents (as at offset ${extent.offset} of ${path}) store nothing` };
        continue;
      }
      // An incremental's unchanged chunk: stored by an earlier bundle of the chain, checked where it is read.
      if (extent.base) {
        if (!this.#header?.backup?.base) return { code: 'index-base', entry: path, message: `extent at offset ${extent.offset} is in the base, but the header names no base bundle` };
        continue;
      }
      const chunk = this.#chunks.get(extent.sha256);
      if (!chunk) return { code: 'chunk-missing', entry: path, message: `names chunk ${extent.sha256} (offset ${extent.offset}), which the bundle does not hold before this index` };
      if (chunk.size !== extent.stored.size) {
        return { code: 'chunk-size', entry: chunkPath(extent.sha256), message: `holds ${chunk.size} bytes, but ${path} says ${extent.stored.size}` };
      }
      if (extent.stored.compression === 'zstd' && chunk.zstdFramed === false) {
        return { code: 'chunk-corrupt', entry: chunkPath(extent.sha256), message: `stored bytes are not a zstd frame, but ${path} says zstd (corrupt chunk)` };
      }
      if (chunk.storedSha256 !== undefined && chunk.storedSha256 !== extent.stored.sha256) {
        return { code: 'chunk-corrupt', entry: chunkPath(extent.sha256), message: `stored bytes have sha256 ${chunk.storedSha256}, but ${path} says ${extent.stored.sha256} (corrupt chunk)` };
      }
      chunk.referenced = true;
    }
    return undefined;
  }

  #zeroDigest(chunkSize: number): string {
    let digest = this.#zeroDigests.get(chunkSize);
    if (!digest) {
      digest = createHash('sha256').update(new Uint8Array(chunkSize)).digest('hex');
      this.#zeroDigests.set(chunkSize, digest);
    }
    return digest;
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
      entry: { kind: 'file', path: entry.path, namespace: entry.namespace, volume: entry.volume, format: entry.format, size, stream, skip: drain },
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
    // tar-stream has handed out every byte before this entry's body: no one but the holders sees those segments.
    this.#segments?.consumed((tarEntry.header as { byteOffset?: number }).byteOffset ?? 0);
    const { name, type } = tarEntry.header;
    if (type !== 'file') {
      throw this.#fatal({ code: 'entry-type', entry: name, message: `${TYPE_NAMES[type ?? ''] ?? 'entry of an unknown type'} not allowed (regular files only)` });
    }
    let entry: EntryPath | BundleProblem;
    if (this.#order) {
      entry = this.#order.next(name);
    } else {
      // Before the header the version is unknown: the header must come first, whatever the version.
      const unsafe = unsafeNameReason(name);
      entry = unsafe
        ? { code: 'unsafe-path', entry: name, message: unsafe }
        : name === HEADER_PATH
          ? { section: 'header', path: name }
          : { code: 'missing-header', entry: name, message: `expected the header ${HEADER_PATH} first (missing or out of order)` };
    }
    if (isProblem(entry)) throw this.#fatal(entry);
    const size = tarEntry.header.size ?? -1;
    if (!Number.isSafeInteger(size) || size < 0) throw this.#fatal({ code: 'bad-size', entry: name, message: `invalid size ${size}` });
    if (entry.section === 'chunk') {
      if (size > this.#limits.maxChunkBytes) {
        throw this.#fatal({ code: 'oversize', entry: name, message: `${formatBytes(size)} is over the ${formatBytes(this.#limits.maxChunkBytes)} limit for a chunk` });
      }
    } else if (entry.section !== 'data') {
      if (size > this.#limits.maxJsonEntryBytes) {
        throw this.#fatal({ code: 'oversize', entry: name, message: `${formatBytes(size)} is over the ${formatBytes(this.#limits.maxJsonEntryBytes)} limit for a JSON entry` });
      }
      this.#countMetadata(name, size);
    }
    return { entry, tar: tarEntry };
  }

  /** Adds to the bytes of JSON held (decompressed size counts): over maxMetadataBytes is fatal. */
  #countMetadata(name: string, bytes: number): void {
    this.#metadataBytes += bytes;
    if (this.#metadataBytes > this.#limits.maxMetadataBytes) {
      throw this.#fatal({ code: 'oversize', entry: name, message: `JSON entries total over the ${formatBytes(this.#limits.maxMetadataBytes)} limit` });
    }
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
    // A source that reports its own failure in one line (a registry blob that fails its digest, a refused request).
    if (error instanceof KvbError) {
      this.close();
      return error;
    }
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

// `export --with-data`: every volume fetched from the export servers straight into content-addressed bundle chunks.

import type { FileHandle } from 'node:fs/promises';
import { chunkSizeFor, isZeroExtent, volumeIndexPath, type ExportRecord, type StoredChunkRef, type VolumeExtent, type VolumeFormat, type VolumeIndex } from '../bundle/index.ts';
import { VolumeChunker, type ChunkStore } from '../io/chunks/chunker.ts';
import { decodeChunk, type EncodedChunk } from '../io/chunks/codec.ts';
import type { VolumeConsumer, VolumeJob, VolumeOffer, VolumeStart } from '../io/cluster/index.ts';
import type { ExportJournal, JournalChunk } from '../io/files/export-journal.ts';
import { readAt } from '../io/files/partial-bundle.ts';

/** One volume of one export record, with where to read it. */
export interface VolumePlan {
  namespace: string;
  vmName: string;
  volume: string;
  format: VolumeFormat;
  offer: VolumeOffer;
  token: string;
}

/** The part of the bundle writer the data section uses. */
export interface DataSectionWriter extends ChunkStore {
  addVolumeIndex(index: VolumeIndex): Promise<void>;
}

/** What the data section cost and saved, per volume, for the verbose log and tests. */
export interface VolumeOutcome {
  namespace: string;
  volume: string;
  size: number;
  sha256: string;
  mode: VolumeStart['mode'];
  /** Bytes received from the export server (compressed for streams). */
  fetchedBytes: number;
  /** Bytes taken from the partial bundle of an interrupted run instead of the network. */
  reusedBytes: number;
  zeroBytes: number;
  dedupBytes: number;
  storedBytes: number;
}

/**
 * The volumes to fetch for a record, in volume order, and the record's `data` pointing at their indexes. A volume is
 * a disk image (`raw`: KubeVirt offers raw and gzip) unless the export offers it only as a tar.gz archive.
 */
export function planVolumes(record: ExportRecord, offers: readonly VolumeOffer[], token: string): VolumePlan[] {
  const plans = offers.map((offer): VolumePlan => ({
    namespace: record.namespace,
    vmName: record.vmName,
    volume: offer.volume,
    format: offer.raw || offer.gzip ? 'raw' : 'archive',
    offer,
    token,
  }));
  record.data = plans.map((plan) => ({ volume: plan.volume, format: plan.format, path: volumeIndexPath(plan.namespace, plan.volume) }));
  return plans;
}

/** Chunks an interrupted run left in its partial bundle, found again through its journal. */
export interface ReuseSource {
  handle: FileHandle;
  /** Per `<namespace>/<volume>`, per offset: the chunk the journal recorded there. */
  chunks: Map<string, Map<number, JournalChunk>>;
  /** Where each stored chunk's bytes are in the partial bundle. */
  stored: Map<string, { dataOffset: number; size: number }>;
}

/**
 * Fetches every planned volume into the bundle: each volume through its own chunker (zero detection, sha256, zstd),
 * every chunk stored once through `writer` (one entry at a time), each index right after its volume's last chunk.
 * The journal learns every committed chunk, so a rerun after a crash fetches only what is missing.
 */
export async function writeVolumeData(
  writer: DataSectionWriter,
  plans: readonly VolumePlan[],
  options: {
    parallel: number;
    signal: AbortSignal;
    journal?: ExportJournal | undefined;
    reuse?: ReuseSource | undefined;
    /** How chunks replayed from an interrupted run are stored (their digests are known to the writer without a ref). */
    replayedRefs?: ReadonlyMap<string, StoredChunkRef> | undefined;
    fetch: typeof import('../io/cluster/index.ts').fetchVolumes;
    onRequest: () => void;
    onRetry: (message: string) => void;
    /** Progress: bytes received from the server for the volume named by label. */
    progress: (label: string, size: number | undefined) => { add(bytes: number): void; done(): void };
  },
): Promise<VolumeOutcome[]> {
  const store = serialized(writer, options.replayedRefs);
  const outcomes: VolumeOutcome[] = [];
  const chunkers: VolumeChunker[] = [];
  const jobs = plans.map((plan): VolumeJob => {
    const key = `${plan.namespace}/${plan.volume}`;
    const label = `${key} (${plan.vmName})`;
    const outcome: VolumeOutcome = { namespace: plan.namespace, volume: plan.volume, size: 0, sha256: '', mode: 'raw-ranges', fetchedBytes: 0, reusedBytes: 0, zeroBytes: 0, dedupBytes: 0, storedBytes: 0 };
    let chunker: VolumeChunker | undefined;
    let progress: ReturnType<typeof options.progress> | undefined;
    const consumer: VolumeConsumer = {
      async start(info) {
        outcome.mode = info.mode;
        progress = options.progress(label, info.size);
        chunker = new VolumeChunker({
          namespace: plan.namespace,
          volume: plan.volume,
          format: plan.format,
          chunkSize: chunkSizeFor(info.size),
          store,
          ...(info.size !== undefined ? { size: info.size } : {}),
          onCommit: (extent: VolumeExtent) => options.journal?.chunk(journalLine(key, extent)),
        });
        chunkers.push(chunker);
      },
      async write(bytes, fetched) {
        if (!fetched) outcome.reusedBytes += bytes.length;
        await (chunker as VolumeChunker).write(bytes);
      },
      async end() {
        const index = await (chunker as VolumeChunker).finish();
        await store.addVolumeIndex(index);
        const stats = (chunker as VolumeChunker).stats;
        Object.assign(outcome, { size: index.size, sha256: index.sha256, zeroBytes: stats.zeroBytes, dedupBytes: stats.dedupBytes, storedBytes: stats.storedBytes });
        progress?.done();
        outcomes.push(outcome);
      },
    };
    const reuse = options.reuse;
    const known = reuse?.chunks.get(key);
    return {
      label,
      offer: plan.offer,
      token: plan.token,
      consumer,
      chunkSizeFor,
      reuse: reuse && known ? (offset, length) => reusedChunk(reuse, known, offset, length) : undefined,
      onWire: (bytes) => {
        outcome.fetchedBytes += bytes;
        progress?.add(bytes);
      },
    };
  });
  try {
    await options.fetch(jobs, { parallel: options.parallel, chunkSize: chunkSizeFor(undefined), signal: options.signal, onRequest: options.onRequest, onRetry: options.onRetry });
  } catch (error) {
    // The chunks fetched before the failure are committed, so the partial bundle keeps them for --resume.
    await Promise.all(chunkers.map((chunker) => chunker.drain()));
    throw error;
  }
  return outcomes.sort((a, b) => (a.namespace + '/' + a.volume < b.namespace + '/' + b.volume ? -1 : 1));
}

function journalLine(key: string, extent: VolumeExtent): JournalChunk {
  if (isZeroExtent(extent)) return { v: key, o: extent.offset, l: extent.length };
  return { v: key, o: extent.offset, l: extent.length, d: extent.sha256, c: extent.stored.compression, s: extent.stored.size };
}

/**
 * The bytes of a chunk the interrupted run committed, read back from its partial bundle and checked against the
 * digest in the journal (a zero chunk needs no read); undefined (so it is fetched) when anything does not match.
 */
async function reusedChunk(reuse: ReuseSource, known: Map<number, JournalChunk>, offset: number, length: number): Promise<Buffer | undefined> {
  const entry = known.get(offset);
  if (!entry || entry.l !== length) return undefined;
  if (entry.d === undefined) return Buffer.alloc(length);
  const where = reuse.stored.get(entry.d);
  if (!where || where.size !== entry.s || !entry.c) return undefined;
  const stored = await readAt(reuse.handle, where.dataOffset, where.size);
  const bytes = await decodeChunk(stored, { sha256: entry.d, length, compression: entry.c });
  return typeof bytes === 'string' ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The writer as the chunkers' store: chunkers of several volumes commit at once, the bundle takes one entry at a
 * time, so stores and indexes queue here, and a digest being stored is not stored a second time meanwhile.
 */
function serialized(writer: DataSectionWriter, replayedRefs: ReadonlyMap<string, StoredChunkRef> = new Map()): DataSectionWriter {
  let queue: Promise<unknown> = Promise.resolve();
  const inFlight = new Map<string, { ref: StoredChunkRef; stored: Promise<StoredChunkRef> }>();
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work);
    queue = run.catch(() => {});
    return run;
  };
  return {
    // A chunk queued but not yet written counts as stored: its entry precedes every index queued after it.
    storedChunk: (sha256) => writer.storedChunk(sha256) ?? inFlight.get(sha256)?.ref ?? replayedRefs.get(sha256),
    addChunk(chunk: EncodedChunk) {
      const pending = inFlight.get(chunk.sha256);
      if (pending) return pending.stored;
      const stored = enqueue(() => writer.addChunk(chunk)).finally(() => inFlight.delete(chunk.sha256));
      inFlight.set(chunk.sha256, { ref: { size: chunk.stored.byteLength, sha256: chunk.storedSha256, compression: chunk.compression }, stored });
      return stored;
    },
    addVolumeIndex: (index) => enqueue(() => writer.addVolumeIndex(index)),
  };
}

/** One line for the verbose log: what a volume cost on the wire and what the bundle stores. */
export function describeOutcome(outcome: VolumeOutcome): string {
  const parts = [`${outcome.size} bytes (${outcome.mode})`, `fetched ${outcome.fetchedBytes}`];
  if (outcome.reusedBytes > 0) parts.push(`reused ${outcome.reusedBytes} from the interrupted run`);
  parts.push(`zero ${outcome.zeroBytes}`, `deduplicated ${outcome.dedupBytes}`, `stored ${outcome.storedBytes}`, `sha256 ${outcome.sha256}`);
  return `volume ${outcome.namespace}/${outcome.volume}: ${parts.join(', ')}`;
}

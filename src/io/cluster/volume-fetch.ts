// Every volume of a run fetched at once within one bound: parallel chunk-sized Range requests delivered in offset order.

import { InternalError } from '../../errors.ts';
import type { RetryPolicy } from './retry.ts';
import { fetchRange, openSession, probeRaw, streamVolume, type ExportServerSession, type VolumeOffer } from './download.ts';

/** How a volume's bytes are read: Range requests on the raw image, or one stream (gzip inflated, tar.gz inflated, raw). */
export type FetchMode = 'raw-ranges' | 'raw-stream' | 'gzip-stream' | 'archive-stream';

/** What the fetcher tells the consumer before the first byte. */
export interface VolumeStart {
  mode: FetchMode;
  /** "raw": a disk image; "archive": the tar stream of a filesystem volume. */
  format: 'raw' | 'archive';
  /** Known up front for raw images (Content-Range or Content-Length), undefined for inflated streams. */
  size: number | undefined;
}

/** Receives one volume's bytes, in offset order, with backpressure (the fetcher waits on every promise). */
export interface VolumeConsumer {
  start(info: VolumeStart): Promise<void>;
  /**
   * The next bytes; with Range requests a whole chunk (`chunkSize`, the last one shorter) per call. `fetched` is
   * false for bytes the consumer supplied itself through `reuse` (an interrupted run's chunks).
   */
  write(bytes: Buffer, fetched: boolean): Promise<void>;
  end(): Promise<void>;
}

/** One volume to fetch. */
export interface VolumeJob {
  /** Names the volume in messages, e.g. `prod/vm1-disk (vm1)`. */
  label: string;
  offer: VolumeOffer;
  token: string;
  consumer: VolumeConsumer;
  /**
   * For a resumed run: the bytes of chunk [offset, offset + length) when the consumer has them already (read back
   * from the partial bundle), so they are not fetched again; undefined when they must be fetched. Only Range
   * fetching can skip; a stream is fetched whole.
   */
  reuse?: ((offset: number, length: number) => Promise<Buffer | undefined>) | undefined;
  /** The chunk size for a volume of this size (undefined: a stream of unknown size); default `options.chunkSize`. */
  chunkSizeFor?: ((size: number | undefined) => number) | undefined;
  /** Bytes received from the server for this volume (compressed bytes for streams): for progress and counts. */
  onWire?: ((bytes: number) => void) | undefined;
}

export interface FetchOptions {
  /** Connections open at once across all volumes (`--parallel`). */
  parallel: number;
  /** Bytes per Range request and per delivered piece: the bundle's chunk size. */
  chunkSize: number;
  retryPolicy?: RetryPolicy | undefined;
  signal?: AbortSignal | undefined;
  onRetry?: ((message: string) => void) | undefined;
  onRequest?: (() => void) | undefined;
}

/** A counting semaphore: at most `limit` holders at once, waiting in FIFO order. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(limit: number) {
    this.#free = limit;
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
  async with<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }
}

/**
 * Fetches every job, at most `parallel` requests in flight in all. Each volume keeps at most `parallel` chunks
 * fetched ahead of the one its consumer waits for, and up to `parallel` volumes are fetched at once, so memory stays
 * near parallel² × chunkSize whatever the volume sizes. The first failure aborts the others and is thrown.
 */
export async function fetchVolumes(jobs: readonly VolumeJob[], options: FetchOptions): Promise<void> {
  if (jobs.length === 0) return;
  const requests = new Slots(options.parallel);
  const volumes = new Slots(options.parallel);
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  const sessions = new Map<string, ReturnType<typeof openSession>>();
  const sessionFor = (job: VolumeJob): ExportServerSession => {
    const url = job.offer.raw ?? job.offer.gzip ?? job.offer.archive ?? '';
    const key = `${new URL(url).origin}\u0000${job.token}\u0000${job.offer.ca ?? ''}`;
    let session = sessions.get(key);
    if (!session) {
      session = openSession({ token: job.token, ca: job.offer.ca, url, maxSockets: options.parallel, retryPolicy: options.retryPolicy, signal, onRetry: options.onRetry, onRequest: options.onRequest });
      sessions.set(key, session);
    }
    return session;
  };
  let firstError: unknown;
  try {
    await Promise.all(
      jobs.map((job) =>
        volumes
          .with(() => fetchOne(job, sessionFor(job), requests, options))
          .catch((error: unknown) => {
            if (firstError === undefined) {
              firstError = error;
              failed.abort(error);
            }
          }),
      ),
    );
  } finally {
    for (const session of sessions.values()) session.close();
  }
  if (firstError !== undefined) throw options.signal?.aborted ? (options.signal.reason ?? firstError) : firstError;
}

async function fetchOne(job: VolumeJob, session: ExportServerSession, requests: Slots, options: FetchOptions): Promise<void> {
  const { offer, consumer } = job;
  const onWire = (bytes: number) => job.onWire?.(bytes);
  if (offer.raw) {
    const what = `download of volume ${job.label} (raw)`;
    // The probe learns the size and whether Range works, and brings the first chunk's bytes (a resumed run that has
    // them asks for one byte only).
    const probe = await requests.with(() => probeRaw(session, offer.raw as string, options.chunkSize, what));
    if (probe.ranged) {
      onWire(probe.first.length);
      const chunkSize = job.chunkSizeFor?.(probe.size) ?? options.chunkSize;
      await consumer.start({ mode: 'raw-ranges', format: 'raw', size: probe.size });
      let first = probe.first;
      let firstFetched = true;
      const firstLength = Math.min(chunkSize, probe.size);
      const cached = job.reuse && firstLength > 0 ? await job.reuse(0, firstLength) : undefined;
      if (cached) {
        first = cached;
        firstFetched = false;
      } else if (first.length < firstLength) {
        const rest = await requests.with(() => fetchRange(session, offer.raw as string, first.length, firstLength - first.length, probe.size, what));
        onWire(rest.length);
        first = Buffer.concat([first, rest]);
      }
      await fetchRanges(job, session, requests, { ...options, chunkSize }, probe.size, first, firstFetched, what);
      await consumer.end();
      return;
    }
    if (!offer.gzip || probe.size !== undefined) {
      // No Range, but the whole raw image in this response: one stream, on the connection already open.
      await consumer.start({ mode: 'raw-stream', format: 'raw', size: probe.size });
      await requests.with(async () => {
        for await (const piece of streamVolume(session, offer.raw as string, { gzip: false, what, first: probe.response, size: probe.size, onWire })) await consumer.write(piece, true);
      });
      await consumer.end();
      return;
    }
    probe.response.destroy();
  }
  const gzipUrl = offer.gzip ?? offer.archive;
  if (!gzipUrl) throw new InternalError(`volume ${job.label}: no format to fetch (volumeOffers keeps only volumes with one)`);
  const archive = !offer.gzip;
  const what = `download of volume ${job.label} (${archive ? 'tar.gz' : 'gzip'})`;
  await consumer.start({ mode: archive ? 'archive-stream' : 'gzip-stream', format: archive ? 'archive' : 'raw', size: undefined });
  await requests.with(async () => {
    for await (const piece of streamVolume(session, gzipUrl, { gzip: true, what, onWire })) await consumer.write(piece, true);
  });
  await consumer.end();
}

/**
 * The chunks of a Range-capable image: requests go out ahead (at most `parallel` per volume, and within the shared
 * request slots), results are handed to the consumer strictly in offset order.
 */
async function fetchRanges(job: VolumeJob, session: ExportServerSession, requests: Slots, options: FetchOptions, size: number, first: Buffer, firstFetched: boolean, what: string): Promise<void> {
  const { chunkSize, parallel } = options;
  const url = job.offer.raw as string;
  if (size === 0) return;
  await job.consumer.write(first, firstFetched);
  const ahead: Promise<{ bytes: Buffer; fetched: boolean }>[] = [];
  let next = first.length;
  const launch = () => {
    const offset = next;
    const length = Math.min(chunkSize, size - offset);
    next += length;
    const piece = (async () => {
      const cached = job.reuse ? await job.reuse(offset, length) : undefined;
      if (cached) return { bytes: cached, fetched: false };
      const bytes = await requests.with(() => fetchRange(session, url, offset, length, size, what));
      job.onWire?.(bytes.length);
      return { bytes, fetched: true };
    })();
    piece.catch(() => {}); // observed below, in order; a later chunk's failure must not go unhandled meanwhile
    ahead.push(piece);
  };
  while (next < size && ahead.length < parallel) launch();
  while (ahead.length > 0) {
    const { bytes, fetched } = await (ahead.shift() as (typeof ahead)[number]);
    if (next < size) launch();
    await job.consumer.write(bytes, fetched);
  }
}

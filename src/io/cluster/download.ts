// Volume bytes from the export server, one exchange at a time: the offers per volume, Range GETs and whole streams, retried.

import http from 'node:http';
import https from 'node:https';
import { createGunzip } from 'node:zlib';
import { ClusterError } from '../../errors.ts';
import type { ExportLinks } from '../../bundle/documents.ts';
import { errorCode, readBody, send } from './http.ts';
import { DEFAULT_RETRY_POLICY, pause, retryDelay, type RetryPolicy } from './retry.ts';

/** The header the export server authenticates with. */
export const EXPORT_TOKEN_HEADER = 'x-kubevirt-export-token';

/** Where one volume can be read: the raw image (Range-capable on KubeVirt), its gzip stream, or a tar.gz archive. */
export interface VolumeOffer {
  volume: string;
  /** `disk.img`: served by http.ServeContent, so Range requests give 206 with Content-Range. */
  raw?: string | undefined;
  /** `disk.img.gz`: compressed on the fly, no Content-Length, no Range. */
  gzip?: string | undefined;
  /** `disk.tar.gz`: a filesystem volume (not a disk image) as a gzip tar stream. */
  archive?: string | undefined;
  /** PEM CA of the export server's certificate. */
  ca: string | undefined;
}

/**
 * The volumes of an export's links and the URLs each offers, sorted by volume name. The external links win when
 * present (reachable from outside the cluster); the internal ones (`*.svc`) work when kvbackup runs in the cluster.
 */
export function volumeOffers(links: { internal?: ExportLinks; external?: ExportLinks }): VolumeOffer[] {
  const chosen = links.external ?? links.internal;
  if (!chosen) return [];
  const offers = chosen.volumes.map((volume): VolumeOffer => {
    const url = (format: string) => volume.formats.find((f) => f.format === format)?.url;
    return { volume: volume.name, raw: url('raw'), gzip: url('gzip'), archive: url('tar.gz'), ca: chosen.cert };
  });
  return offers.filter((o) => o.raw || o.gzip || o.archive).sort((a, b) => (a.volume < b.volume ? -1 : a.volume > b.volume ? 1 : 0));
}

/** How requests to one export server are made: its token, kept-alive connections, retries, cancellation. */
export interface ExportServerSession {
  token: string;
  ca: string | undefined;
  /** Connections kept alive and reused across Range requests (a TLS handshake per chunk would cost more than the chunk). */
  agent: http.Agent;
  retryPolicy: RetryPolicy;
  signal?: AbortSignal | undefined;
  onRetry?: ((message: string) => void) | undefined;
  /** Counts requests to the export server (kept apart from the apiserver's count). */
  onRequest?: (() => void) | undefined;
}

/** A session with at most `maxSockets` connections to the server. `close()` ends them. */
export function openSession(options: {
  token: string;
  ca: string | undefined;
  url: string;
  maxSockets: number;
  retryPolicy?: RetryPolicy | undefined;
  signal?: AbortSignal | undefined;
  onRetry?: ((message: string) => void) | undefined;
  onRequest?: (() => void) | undefined;
}): ExportServerSession & { close(): void } {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, ...(options.ca ? { ca: options.ca } : {}) };
  const agent = new URL(options.url).protocol === 'http:' ? new http.Agent(agentOptions) : new https.Agent(agentOptions);
  return {
    token: options.token,
    ca: options.ca,
    agent,
    retryPolicy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
    signal: options.signal,
    onRetry: options.onRetry,
    onRequest: options.onRequest,
    close: () => agent.destroy(),
  };
}

function get(session: ExportServerSession, url: string, range?: string): Promise<http.IncomingMessage> {
  session.onRequest?.();
  return send({
    url: new URL(url),
    method: 'GET',
    headers: { [EXPORT_TOKEN_HEADER]: session.token, ...(range ? { range } : {}) },
    agent: session.agent,
    ca: session.ca,
    signal: session.signal,
    idleTimeoutMs: 60_000,
  });
}

/** A failure of one attempt: retried when transient (5xx, 429, resets), else a ClusterError naming the volume. */
class AttemptFailure extends Error {
  readonly failure: { type: 'status'; status: number; retryAfter?: string | undefined } | { type: 'network'; code: string | undefined };
  constructor(message: string, failure: AttemptFailure['failure']) {
    super(message);
    this.failure = failure;
  }
}

async function statusFailure(response: http.IncomingMessage, what: string): Promise<AttemptFailure> {
  const body = (await readBody(response, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8').trim();
  return new AttemptFailure(`${what}: HTTP ${response.statusCode}${body ? `: ${body.slice(0, 200)}` : ''}`, {
    type: 'status',
    status: response.statusCode ?? 0,
    retryAfter: response.headers['retry-after'],
  });
}

/** Runs `attempt` until it succeeds, retrying transient failures with jittered backoff; `what` names the volume. */
async function withRetries<T>(session: ExportServerSession, what: string, attempt: (n: number) => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (session.signal?.aborted) throw session.signal.reason ?? error;
      if (error instanceof ClusterError) throw error;
      const failure = error instanceof AttemptFailure ? error.failure : { type: 'network' as const, code: errorCode(error) };
      const message = error instanceof Error ? error.message : String(error);
      const delay = retryDelay(failure, n, session.retryPolicy);
      if (delay === undefined) throw new ClusterError(`${what} failed after ${n} attempt${n === 1 ? '' : 's'}: ${message}`);
      session.onRetry?.(`retrying ${what}: ${message}`);
      await pause(delay, session.signal);
    }
  }
}

/** What a first Range request learned: whether the server honours Range, the volume's size, and the bytes. */
export type RawProbe =
  | { ranged: true; size: number; first: Buffer }
  | { ranged: false; size: number | undefined; response: http.IncomingMessage };

/**
 * Asks for the first `length` bytes of a raw image. KubeVirt's export server answers 206 with
 * `Content-Range: bytes 0-<end>/<size>` (or 416 with `bytes *\/0` for an empty image); a server without Range answers
 * 200 with the whole body, which is then read as a stream.
 */
export async function probeRaw(session: ExportServerSession, url: string, length: number, what: string): Promise<RawProbe> {
  return withRetries(session, what, async () => {
    const response = await get(session, url, `bytes=0-${length - 1}`);
    if (response.statusCode === 200) {
      const announced = Number(response.headers['content-length']);
      return { ranged: false, size: Number.isSafeInteger(announced) && announced >= 0 ? announced : undefined, response };
    }
    if (response.statusCode === 416) {
      const total = /^bytes \*\/(\d+)$/.exec(String(response.headers['content-range'] ?? ''));
      response.resume();
      if (total && Number(total[1]) === 0) return { ranged: true, size: 0, first: Buffer.alloc(0) };
      throw new ClusterError(`${what}: the server refused the range bytes=0-${length - 1} (HTTP 416)`);
    }
    if (response.statusCode !== 206) throw await statusFailure(response, what);
    const range = /^bytes 0-(\d+)\/(\d+)$/.exec(String(response.headers['content-range'] ?? ''));
    const size = range ? Number(range[2]) : NaN;
    if (!range || !Number.isSafeInteger(size) || Number(range[1]) !== Math.min(length, size) - 1) {
      response.destroy();
      throw new ClusterError(`${what}: the server answered bytes=0-${length - 1} with Content-Range "${String(response.headers['content-range'] ?? '')}"`);
    }
    return { ranged: true, size, first: await readExactly(response, Math.min(length, size), what) };
  });
}

/**
 * Reads bytes [start, start + length) of a raw image of `size` bytes with Range requests; a body cut short is
 * completed by a request for the rest. The Content-Range must name exactly the bytes asked for and the same size.
 */
export async function fetchRange(session: ExportServerSession, url: string, start: number, length: number, size: number, what: string): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let have = 0;
  await withRetries(session, `${what} bytes ${start}-${start + length - 1}`, async () => {
    const from = start + have;
    const end = start + length - 1;
    const response = await get(session, url, `bytes=${from}-${end}`);
    if (response.statusCode !== 206) {
      if (response.statusCode === 200) {
        response.destroy();
        throw new ClusterError(`${what}: the server stopped honouring Range requests (HTTP 200 for bytes=${from}-${end})`);
      }
      throw await statusFailure(response, what);
    }
    const expected = `bytes ${from}-${end}/${size}`;
    if (response.headers['content-range'] !== expected) {
      response.destroy();
      throw new ClusterError(`${what}: asked for ${expected}, the server sent Content-Range "${String(response.headers['content-range'] ?? '')}" (did the volume change?)`);
    }
    for await (const piece of response as AsyncIterable<Buffer>) {
      if (have + piece.length > length) {
        response.destroy();
        throw new ClusterError(`${what}: the server sent more than the ${end - from + 1} bytes of bytes=${from}-${end}`);
      }
      piece.copy(out, have);
      have += piece.length;
    }
    if (have < length) throw new AttemptFailure(`connection closed after ${have} of ${length} bytes`, { type: 'network', code: 'ECONNRESET' });
  });
  return out;
}

async function readExactly(response: http.IncomingMessage, length: number, what: string): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let have = 0;
  for await (const piece of response as AsyncIterable<Buffer>) {
    if (have + piece.length > length) {
      response.destroy();
      throw new ClusterError(`${what}: the server sent more bytes than its Content-Range announced`);
    }
    piece.copy(out, have);
    have += piece.length;
  }
  if (have < length) throw new AttemptFailure(`connection closed after ${have} of ${length} bytes`, { type: 'network', code: 'ECONNRESET' });
  return out;
}

/**
 * A whole volume as one stream, decompressed when `gzip`: the gzip image or the tar.gz archive (KubeVirt compresses
 * them on the fly and offers no Range), or a raw image from a server without Range. When the connection breaks, the
 * volume is requested again and the bytes already delivered are skipped, so the caller sees each byte once, in order.
 * `first` is a response already open on the same URL (from a probe). `onWire` counts compressed bytes received.
 */
export async function* streamVolume(
  session: ExportServerSession,
  url: string,
  options: { gzip: boolean; what: string; first?: http.IncomingMessage | undefined; size?: number | undefined; onWire?: (bytes: number) => void },
): AsyncGenerator<Buffer> {
  let delivered = 0;
  let first = options.first;
  for (let attempt = 1; ; attempt++) {
    let position = 0;
    try {
      const response = first ?? (await get(session, url));
      first = undefined;
      if (response.statusCode !== 200) throw await statusFailure(response, options.what);
      const counted = async function* () {
        for await (const piece of response as AsyncIterable<Buffer>) {
          options.onWire?.(piece.length);
          yield piece;
        }
      };
      const source: AsyncIterable<Buffer> = options.gzip ? inflate(counted()) : counted();
      for await (const piece of source) {
        const skip = Math.max(0, Math.min(piece.length, delivered - position));
        position += piece.length;
        if (options.size !== undefined && position > options.size) throw new ClusterError(`${options.what}: the server sent more than the announced ${options.size} bytes`);
        if (skip < piece.length) {
          const fresh = skip === 0 ? piece : piece.subarray(skip);
          delivered += fresh.length;
          yield fresh;
        }
      }
      if (options.size !== undefined && position !== options.size) {
        throw new AttemptFailure(`connection closed after ${position} of ${options.size} bytes`, { type: 'network', code: 'ECONNRESET' });
      }
      return;
    } catch (error) {
      if (session.signal?.aborted) throw session.signal.reason ?? error;
      if (error instanceof ClusterError) throw error;
      const failure = error instanceof AttemptFailure ? error.failure : { type: 'network' as const, code: errorCode(error) ?? 'ECONNRESET' };
      const message = error instanceof Error ? error.message : String(error);
      const delay = retryDelay(failure, attempt, session.retryPolicy);
      if (delay === undefined) throw new ClusterError(`${options.what} failed after ${delivered} bytes: ${message}`);
      session.onRetry?.(`restarting ${options.what} (the server offers no Range here; the first ${delivered} bytes are skipped): ${message}`);
      await pause(delay, session.signal);
    }
  }
}

/** Inflates a gzip byte stream (multi-member, as pigz/pgzip may write) without holding more than a few pieces. */
async function* inflate(compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  const feeding = (async () => {
    try {
      for await (const piece of compressed) {
        if (gunzip.destroyed) return;
        if (!gunzip.write(piece)) {
          await new Promise<void>((resolve) => {
            gunzip.once('drain', resolve);
            gunzip.once('close', resolve);
          });
        }
      }
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  try {
    for await (const piece of gunzip as AsyncIterable<Buffer>) yield piece;
  } finally {
    gunzip.destroy();
    await feeding;
  }
}

/**
 * A whole 200 response of a backup export's `map` or `data` endpoint (KubeVirt streams both without Range and
 * without Content-Length), retried as a whole on transient failures. `length`: the exact byte count expected (a
 * short or long body is an error); otherwise at most `limit` bytes.
 */
export async function fetchWhole(session: ExportServerSession, url: string, what: string, expect: { length: number } | { limit: number }): Promise<Buffer> {
  return withRetries(session, what, async () => {
    const response = await get(session, url);
    if (response.statusCode !== 200) throw await statusFailure(response, what);
    const limit = 'length' in expect ? expect.length : expect.limit;
    const parts: Buffer[] = [];
    let have = 0;
    for await (const piece of response as AsyncIterable<Buffer>) {
      have += piece.length;
      if (have > limit) {
        response.destroy();
        throw new ClusterError(`${what}: the server sent more than ${limit} bytes`);
      }
      parts.push(piece);
    }
    if ('length' in expect && have < expect.length) throw new AttemptFailure(`connection closed after ${have} of ${expect.length} bytes`, { type: 'network', code: 'ECONNRESET' });
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, have);
  });
}

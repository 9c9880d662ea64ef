// Volume data from the export server: token header, the export's CA, streamed in chunks, resumed with Range.

import { createHash } from 'node:crypto';
import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterError } from '../../errors.ts';
import type { ExportLinks } from '../../bundle/documents.ts';
import type { DataFormat } from '../../bundle/layout.ts';
import { errorCode, readBody, send } from './http.ts';
import { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from './retry.ts';

/** The header the export server authenticates with. */
export const EXPORT_TOKEN_HEADER = 'x-kubevirt-export-token';

/** Formats in order of preference: gzip is smaller on the wire and in the bundle; tar.gz is what archive PVCs offer. */
export const FORMAT_PREFERENCE: readonly DataFormat[] = ['gzip', 'raw', 'tar.gz'];

/** One volume to download. */
export interface VolumeSource {
  volume: string;
  format: DataFormat;
  url: string;
  /** PEM CA of the export server's certificate. */
  ca: string | undefined;
}

/**
 * The volumes of an export's links, each in its preferred format. The external links win when present (they are
 * reachable from outside the cluster); the internal ones (`*.svc`) work when kvbackup runs in the cluster.
 */
export function chooseVolumeSources(links: { internal?: ExportLinks; external?: ExportLinks }): VolumeSource[] {
  const chosen = links.external ?? links.internal;
  if (!chosen) return [];
  const sources: VolumeSource[] = [];
  for (const volume of chosen.volumes) {
    for (const format of FORMAT_PREFERENCE) {
      const offer = volume.formats.find((f) => f.format === format);
      if (offer) {
        sources.push({ volume: volume.name, format, url: offer.url, ca: chosen.cert });
        break;
      }
    }
  }
  return sources.sort((a, b) => (a.volume < b.volume ? -1 : a.volume > b.volume ? 1 : 0));
}

/** An open download: its size as the server announced it (undefined for a streamed body), and its bytes. */
export interface Download {
  size: number | undefined;
  /** The body in chunks; resumes after a dropped connection; fails if the total differs from `size`. */
  chunks: AsyncIterable<Buffer>;
  /** After `chunks` is consumed: the sha256 (hex) of every byte served. */
  sha256(): string;
  /** Drops the connection when the body is not wanted (a size probe). */
  close(): void;
}

export interface DownloadOptions {
  token: string;
  retryPolicy?: RetryPolicy;
  signal?: AbortSignal | undefined;
  onRetry?: (message: string) => void;
  /** Counts requests to the export server (kept apart from the apiserver's count). */
  onRequest?: () => void;
}

/**
 * Opens the download. `size` is the Content-Length when the server sends one; a streamed body (KubeVirt's export
 * server compresses gzip on the fly) has none, and the caller spools it to disk, since a tar entry's header needs
 * the size before the bytes.
 */
export async function openDownload(source: VolumeSource, options: DownloadOptions): Promise<Download> {
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const request = (from: number) => {
    options.onRequest?.();
    return send({
      url: new URL(source.url),
      method: 'GET',
      headers: { [EXPORT_TOKEN_HEADER]: options.token, ...(from > 0 ? { range: `bytes=${from}-` } : {}) },
      ca: source.ca,
      signal: options.signal,
      idleTimeoutMs: 60_000,
    });
  };
  let first: http.IncomingMessage | undefined;
  for (let attempt = 1; !first; attempt++) {
    let failure;
    try {
      const response = await request(0);
      if (response.statusCode === 200) {
        first = response;
        break;
      }
      const body = (await readBody(response, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8').trim();
      failure = { type: 'status' as const, status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] };
      const delay = retryDelay(failure, attempt, policy);
      if (delay === undefined) throw new ClusterError(`cannot download volume ${source.volume} (${source.format}) from ${source.url}: HTTP ${response.statusCode}${body ? `: ${body.slice(0, 200)}` : ''}`);
      options.onRetry?.(`retrying download of ${source.volume}: HTTP ${response.statusCode}`);
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
    } catch (error) {
      if (error instanceof ClusterError || options.signal?.aborted) throw error;
      const delay = retryDelay({ type: 'network', code: errorCode(error) }, attempt, policy);
      if (delay === undefined) throw new ClusterError(`cannot download volume ${source.volume} from ${source.url}: ${error instanceof Error ? error.message : String(error)}`);
      options.onRetry?.(`retrying download of ${source.volume}: ${error instanceof Error ? error.message : String(error)}`);
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
  const announced = first.headers['content-length'] === undefined ? NaN : Number(first.headers['content-length']);
  const length = Number.isSafeInteger(announced) && announced >= 0 ? announced : undefined;
  const hash = createHash('sha256');
  let digest: string | undefined;
  const chunks = async function* (): AsyncGenerator<Buffer> {
    let received = 0;
    let response: http.IncomingMessage = first;
    for (let resumes = 1; ; ) {
      try {
        for await (const chunk of response as AsyncIterable<Buffer>) {
          received += chunk.length;
          if (length !== undefined && received > length) throw new ClusterError(`volume ${source.volume}: the server sent more than the announced ${length} bytes`);
          hash.update(chunk);
          yield chunk;
        }
        if (length === undefined || received === length) break;
        throw Object.assign(new Error(`connection closed after ${received} of ${length} bytes`), { code: 'ECONNRESET' });
      } catch (error) {
        if (error instanceof ClusterError || options.signal?.aborted) throw error;
        const delay = retryDelay({ type: 'network', code: errorCode(error) ?? 'ECONNRESET' }, resumes, policy);
        if (delay === undefined) throw new ClusterError(`download of volume ${source.volume} failed after ${received} of ${length ?? 'an unknown number of'} bytes: ${error instanceof Error ? error.message : String(error)}`);
        options.onRetry?.(`resuming download of ${source.volume} at byte ${received}`);
        await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
        resumes++;
        response = await request(received);
        const range = String(response.headers['content-range'] ?? '');
        if (response.statusCode !== 206 || !range.startsWith(`bytes ${received}-`)) {
          response.destroy();
          throw new ClusterError(`download of volume ${source.volume} broke after ${received} of ${length ?? 'an unknown number of'} bytes and the server cannot resume it (HTTP ${response.statusCode}, no matching Range support)`);
        }
      }
    }
    digest = hash.digest('hex');
  };
  return {
    size: length,
    chunks: chunks(),
    close() {
      first.destroy();
    },
    sha256() {
      if (digest === undefined) throw new Error('sha256 asked before the download was consumed');
      return digest;
    },
  };
}

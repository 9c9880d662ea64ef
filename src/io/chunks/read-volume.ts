// Rebuilds a volume's bytes from its index, verifying every chunk before its bytes are handed on.

import { createHash, webcrypto } from 'node:crypto';
import { chunkPath, isZeroExtent, problemError, type BundleProblem, type VolumeIndex } from '../../bundle/index.ts';
import type { ChunkSource } from './chunk-source.ts';
import { zstdDecode } from './codec.ts';

export interface ReadVolumeOptions {
  /** The index's entry path, for messages. */
  path: string;
  /** Names the bundle in messages. */
  source?: string | undefined;
  /** Also recompute the whole volume's sha256 in offset order and compare it with the index's (validate). */
  checkVolumeDigest?: boolean;
  /** Receives the whole volume's sha256 once its last byte is handed on (computed in offset order). */
  onDigest?: (sha256: string) => void;
  /** Chunks fetched and verified ahead of the one being handed on (default 4): overlaps reading with sending. */
  readAhead?: number;
}

/** Largest piece of zeros handed on at once for a zero extent. */
const ZERO_PIECE = new Uint8Array(1024 * 1024);

/**
 * The volume's bytes in offset order. Each data chunk is read from `chunks`, its stored bytes decoded (zstd, bounded
 * to the extent's length) and its content sha256 and length checked BEFORE the bytes are yielded; zero extents yield
 * zeros. The first chunk that is missing or does not check out ends the volume with a BundleInputError naming the
 * chunk entry, so a consumer never passes on a byte of a bad chunk.
 */
export async function* readVolume(index: VolumeIndex, chunks: ChunkSource, options: ReadVolumeOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const whole = options.checkVolumeDigest || options.onDigest ? createHash('sha256') : undefined;
  const readAhead = Math.max(1, options.readAhead ?? 4);
  const fail = (problem: BundleProblem): never => {
    throw problemError(problem, options.source);
  };
  const extents = index.extents;
  const pending: Promise<Uint8Array | BundleProblem>[] = [];
  let next = 0;
  const fetchNext = () => {
    while (next < extents.length && pending.length < readAhead) {
      const extent = extents[next] as (typeof extents)[number];
      next += 1;
      pending.push(isZeroExtent(extent) ? Promise.resolve(new Uint8Array(0)) : verifiedChunk(extent, chunks, options.path));
    }
  };
  for (const extent of extents) {
    fetchNext();
    const result = await (pending.shift() as Promise<Uint8Array | BundleProblem>);
    if (!(result instanceof Uint8Array)) fail(result);
    if (isZeroExtent(extent)) {
      for (let left = extent.length; left > 0; left -= ZERO_PIECE.byteLength) {
        const piece = left >= ZERO_PIECE.byteLength ? ZERO_PIECE : ZERO_PIECE.subarray(0, left);
        whole?.update(piece);
        yield piece;
      }
      continue;
    }
    whole?.update(result as Uint8Array);
    yield result as Uint8Array;
  }
  if (whole) {
    const actual = whole.digest('hex');
    if (index.sha256 !== undefined && actual !== index.sha256) fail({ code: 'volume-sha256', entry: options.path, message: `the volume's bytes have sha256 ${actual}, the index says ${index.sha256}` });
    options.onDigest?.(actual);
  }
}

/** One chunk's content, checked against its extent; a problem naming the chunk entry when it does not check out. */
async function verifiedChunk(
  extent: { offset: number; length: number; sha256: string; stored: { size: number; compression: 'zstd' | 'none' } },
  chunks: ChunkSource,
  indexPath: string,
): Promise<Uint8Array | BundleProblem> {
  const entry = chunkPath(extent.sha256);
  const stored = await chunks.read(extent.sha256);
  if (!stored) return { code: 'chunk-missing', entry: indexPath, message: `names chunk ${extent.sha256} (offset ${extent.offset}), which the bundle does not hold` };
  if (stored.byteLength !== extent.stored.size) return { code: 'chunk-size', entry, message: `holds ${stored.byteLength} bytes, but ${indexPath} says ${extent.stored.size}` };
  let bytes: Uint8Array;
  if (extent.stored.compression === 'zstd') {
    try {
      bytes = await zstdDecode(stored, extent.length);
    } catch (error) {
      return { code: 'chunk-corrupt', entry, message: `${(error as Error).message} (corrupt chunk)` };
    }
  } else {
    bytes = stored;
  }
  if (bytes.byteLength !== extent.length) return { code: 'chunk-corrupt', entry, message: `holds ${bytes.byteLength} bytes of data, but ${indexPath} says ${extent.length} (corrupt chunk)` };
  // Hashed on the thread pool: the main thread meanwhile sends the previous chunk.
  const digest = Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
  if (digest !== extent.sha256) return { code: 'chunk-corrupt', entry, message: `content sha256 is ${digest}, not the digest its name says (corrupt chunk)` };
  return bytes;
}

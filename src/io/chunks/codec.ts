// zstd for chunks and compressed JSON entries: async (on libuv's thread pool), fixed level, bounded output on decode.

import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { constants, zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync } from 'node:zlib';
import type { ChunkCompression } from '../../bundle/index.ts';

/** The zstd level every chunk and JSON entry is written with, so the same input gives the same bytes. */
export const ZSTD_LEVEL = 3;

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const compressAsync = promisify(zstdCompress);
const decompressAsync = promisify(zstdDecompress);
const COMPRESS_OPTIONS = { params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL, [constants.ZSTD_c_checksumFlag]: 0 } };

/** zstd frame of `bytes` at ZSTD_LEVEL, computed on the thread pool. */
export async function zstdEncode(bytes: Uint8Array): Promise<Buffer> {
  // One output buffer the size of the input (plus zstd's small overhead): the default 16 KiB would cost a thread-pool
  // round trip, a callback and a buffer per 16 KiB of a chunk.
  return compressAsync(bytes, { ...COMPRESS_OPTIONS, chunkSize: Math.max(16 * 1024, bytes.byteLength + 1024) });
}

/** zstd frame of `bytes`, synchronously: for small JSON entries, where a thread-pool round trip costs more. */
export function zstdEncodeSync(bytes: Uint8Array): Buffer {
  return zstdCompressSync(bytes, COMPRESS_OPTIONS);
}

/**
 * Decodes one zstd frame, refusing to produce more than `maxBytes` (a decompression bomb stops there).
 * @throws Error (with a message fit for `bundle entry <path>: …`) when the bytes are not zstd or decode to more.
 */
export async function zstdDecode(bytes: Uint8Array, maxBytes: number): Promise<Buffer> {
  try {
    return await decompressAsync(bytes, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (error) {
    throw new Error(describeZstdError(error, maxBytes));
  }
}

/** Synchronous zstdDecode: for small JSON entries. */
export function zstdDecodeSync(bytes: Uint8Array, maxBytes: number): Buffer {
  try {
    return zstdDecompressSync(bytes, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (error) {
    throw new Error(describeZstdError(error, maxBytes));
  }
}

function describeZstdError(error: unknown, maxBytes: number): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_BUFFER_TOO_LARGE' || /larger than|too large|maxOutputLength/i.test(String((error as Error)?.message))) {
    return `zstd data decompresses to more than ${maxBytes} bytes`;
  }
  return `not a valid zstd frame (${String((error as Error)?.message ?? error).replace(/\.$/, '')})`;
}

/** True when `bytes` begins like a zstd frame. */
export function looksLikeZstd(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).equals(ZSTD_MAGIC);
}

/** A chunk ready to be stored: its identity and the exact bytes of its tar entry. */
export interface EncodedChunk {
  /** sha256 of the uncompressed bytes (the entry name). */
  sha256: string;
  /** Uncompressed length. */
  length: number;
  compression: ChunkCompression;
  /** The tar entry's bytes: a zstd frame, or the chunk itself. */
  stored: Uint8Array;
  /** sha256 of `stored`. */
  storedSha256: string;
}

/** A chunk is stored raw unless zstd saves at least this fraction of it (then restore never decompresses it). */
export const MIN_COMPRESSION_SAVING = 1 / 16;

/** The sample `worthCompressing` takes of a chunk: SAMPLE_SLICES slices of SAMPLE_SLICE_BYTES, evenly spread. */
export const SAMPLE_SLICES = 16;
export const SAMPLE_SLICE_BYTES = 4 * 1024;
const LOG2 = Array.from({ length: SAMPLE_SLICE_BYTES + 1 }, (_, n) => (n === 0 ? 0 : Math.log2(n)));

/**
 * Whether zstd may save MIN_COMPRESSION_SAVING of a chunk, judged from a sample: the byte entropy of 16 slices of
 * 4 KiB spread evenly over it must promise at least half that saving. A full zstd pass of incompressible data
 * (encrypted or already compressed disks, random test volumes) costs as much CPU as hashing it; this costs a
 * sixteenth of reading the chunk. A compressible region is seen when it covers a slice, so any region longer than
 * 1/16 of the chunk plus a slice; zeros, text and machine code have far lower entropy than random bytes. (A zstd pass
 * over the sample does not do: on a sample that starts random it skips ahead in growing steps and misses what comes
 * later.) What it cannot see is redundancy at long range, such as a block repeated within the chunk: such a chunk is
 * stored raw, which costs space, never correctness. Deterministic, so the same volume gives the same bundle.
 */
export function worthCompressing(bytes: Uint8Array): boolean {
  if (bytes.byteLength <= 2 * SAMPLE_SLICES * SAMPLE_SLICE_BYTES) return true;
  const spacing = Math.floor(bytes.byteLength / SAMPLE_SLICES);
  const counts = new Uint32Array(256);
  let entropyBits = 0;
  for (let slice = 0; slice < SAMPLE_SLICES; slice++) {
    counts.fill(0);
    const end = slice * spacing + SAMPLE_SLICE_BYTES;
    for (let i = slice * spacing; i < end; i++) counts[bytes[i] as number]! += 1;
    // Shannon entropy of the slice's bytes, in bits: n·log2(n) − Σ c·log2(c).
    let sum = 0;
    for (let b = 0; b < 256; b++) sum += (counts[b] as number) * (LOG2[counts[b] as number] as number);
    entropyBits += SAMPLE_SLICE_BYTES * (LOG2[SAMPLE_SLICE_BYTES] as number) - sum;
  }
  const sampleBits = SAMPLE_SLICES * SAMPLE_SLICE_BYTES * 8;
  return entropyBits <= sampleBits * (1 - MIN_COMPRESSION_SAVING / 2);
}

/**
 * Hashes and compresses one chunk. `sha256` may be passed when already computed. The chunk is stored raw when
 * zstd saves less than MIN_COMPRESSION_SAVING of it, or when a sample says it would (`worthCompressing`).
 */
export async function encodeChunk(bytes: Uint8Array, sha256?: string): Promise<EncodedChunk> {
  const digest = sha256 ?? createHash('sha256').update(bytes).digest('hex');
  const compressed = worthCompressing(bytes) ? await zstdEncode(bytes) : undefined;
  if (compressed && compressed.byteLength <= bytes.byteLength - bytes.byteLength * MIN_COMPRESSION_SAVING) {
    return { sha256: digest, length: bytes.byteLength, compression: 'zstd', stored: compressed, storedSha256: createHash('sha256').update(compressed).digest('hex') };
  }
  return { sha256: digest, length: bytes.byteLength, compression: 'none', stored: bytes, storedSha256: digest };
}

/**
 * The chunk's uncompressed bytes from its stored bytes, checked: the length is `length` and the sha256 is
 * `sha256`. Returns a reason instead of the bytes when they are not.
 */
export async function decodeChunk(stored: Uint8Array, expected: { sha256: string; length: number; compression: ChunkCompression }): Promise<Uint8Array | string> {
  let bytes: Uint8Array;
  if (expected.compression === 'zstd') {
    try {
      bytes = await zstdDecode(stored, expected.length);
    } catch (error) {
      return (error as Error).message;
    }
  } else {
    bytes = stored;
  }
  if (bytes.byteLength !== expected.length) return `holds ${bytes.byteLength} bytes, the index says ${expected.length}`;
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected.sha256) return `content sha256 is ${actual}, not the ${expected.sha256} its name and index say (corrupt chunk)`;
  return bytes;
}

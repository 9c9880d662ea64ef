// The volume index of a v1alpha2 bundle: how a volume's bytes are rebuilt from content-addressed chunks, and its checks.

import type { BundleProblem } from './problems.ts';

/** How a volume's bytes are to be read: a raw disk image, or the tar of a filesystem volume (KubeVirt's `dir`/`tar.gz`). */
export type VolumeFormat = 'raw' | 'archive';
export const VOLUME_FORMATS: readonly VolumeFormat[] = ['raw', 'archive'];

/** How a chunk's bytes are stored in its tar entry. */
export type ChunkCompression = 'zstd' | 'none';

/** The stored form of a chunk: what its tar entry `chunks/sha256/<hex>` holds. */
export interface StoredChunkRef {
  /** Bytes in the tar entry. Never more than the chunk's own length (a chunk zstd does not shrink is stored raw). */
  size: number;
  /** sha256 of the bytes in the tar entry (for `none`, the chunk's own sha256): the future OCI blob digest. */
  sha256: string;
  compression: ChunkCompression;
}

/** A stretch of the volume held by one stored chunk. */
export interface DataExtent {
  offset: number;
  length: number;
  /** sha256 of the chunk's uncompressed bytes: the dedup key and the chunk's entry name. */
  sha256: string;
  stored: StoredChunkRef;
  /**
   * The chunk is not stored in this bundle but in an earlier bundle of its incremental chain (same digest, stored
   * the same way): an incremental export references unchanged chunks instead of storing them again.
   */
  base?: true;
}

/** A stretch of the volume that is all zero bytes: nothing is stored for it. */
export interface ZeroExtent {
  offset: number;
  length: number;
  zero: true;
}

export type VolumeExtent = DataExtent | ZeroExtent;

/** `volumes/<namespace>/<volume>/index.json.zst` (schema `volume-index.v1alpha2`). */
export interface VolumeIndex {
  namespace: string;
  volume: string;
  /** Logical size in bytes: the extents cover [0, size) exactly. */
  size: number;
  /**
   * sha256 of the whole volume's bytes, in offset order. Absent only from an index with `base` extents (an
   * incremental export never sees the unchanged bytes); restore and merge compute it as they rebuild the volume.
   */
  sha256?: string;
  /** The chunk size this volume was cut with: a power of two between MIN_CHUNK_SIZE and MAX_CHUNK_SIZE. */
  chunkSize: number;
  format: VolumeFormat;
  /** Sorted, contiguous, non-overlapping; a data extent is exactly chunkSize long except the volume's last. */
  extents: VolumeExtent[];
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The chunk size written by default. Changed-block tracking reports 64 KiB-granular extents and an incremental
 * backup fetches every chunk such an extent touches, so 1 MiB keeps an incremental of 2 × 1 MiB of writes at
 * ≤ 4 MiB transferred, while the per-chunk cost (a 512 B tar header, ~200 B of index) stays under 0.1 %.
 */
export const DEFAULT_CHUNK_SIZE = 1 * MiB;
export const MIN_CHUNK_SIZE = 64 * KiB;
export const MAX_CHUNK_SIZE = 16 * MiB;
/**
 * Most extents one index may hold. An index is parsed whole, so this (with the JSON entry limit) bounds the
 * memory a volume costs a reader; `chunkSizeFor` doubles the chunk size for volumes that would need more.
 */
export const MAX_INDEX_EXTENTS = 262_144;

/** True for the sha256 hex form used throughout the bundle. */
export function isSha256Hex(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

/** True for a power of two between MIN_CHUNK_SIZE and MAX_CHUNK_SIZE. */
export function isValidChunkSize(size: number): boolean {
  return Number.isSafeInteger(size) && size >= MIN_CHUNK_SIZE && size <= MAX_CHUNK_SIZE && (size & (size - 1)) === 0;
}

/**
 * The chunk size to cut a volume of `volumeSize` bytes with: DEFAULT_CHUNK_SIZE (1 MiB, volumes up to 256 GiB),
 * doubled until the volume fits in MAX_INDEX_EXTENTS chunks (16 MiB chunks cover 4 TiB). Unknown size: the default.
 */
export function chunkSizeFor(volumeSize: number | undefined): number {
  let size = DEFAULT_CHUNK_SIZE;
  if (volumeSize === undefined) return size;
  while (size < MAX_CHUNK_SIZE && Math.ceil(volumeSize / size) > MAX_INDEX_EXTENTS) size *= 2;
  return size;
}

/** True when some chunk of the index is stored in an earlier bundle of the chain. */
export function hasBaseExtents(index: VolumeIndex): boolean {
  return index.extents.some((extent) => !isZeroExtent(extent) && extent.base === true);
}

/** True for a zero extent. */
export function isZeroExtent(extent: VolumeExtent): extent is ZeroExtent {
  return 'zero' in extent && extent.zero === true;
}

/** The index with its keys in the documented order (extents and their `stored` too). */
export function canonicalVolumeIndex(index: VolumeIndex): VolumeIndex {
  return {
    namespace: index.namespace,
    volume: index.volume,
    size: index.size,
    ...(index.sha256 !== undefined ? { sha256: index.sha256 } : {}),
    chunkSize: index.chunkSize,
    format: index.format,
    extents: index.extents.map((extent) =>
      isZeroExtent(extent)
        ? { offset: extent.offset, length: extent.length, zero: true as const }
        : {
            offset: extent.offset,
            length: extent.length,
            sha256: extent.sha256,
            stored: { size: extent.stored.size, sha256: extent.stored.sha256, compression: extent.stored.compression },
            ...(extent.base ? { base: true as const } : {}),
          },
    ),
  };
}

/**
 * Checks an index (already schema-valid) against the layout rules: chunk size; extents sorted, contiguous and
 * non-overlapping from 0 to `size`; a data extent exactly `chunkSize` long except the last; a zero extent a whole
 * number of chunks except at the end; a raw-stored chunk stored as its own bytes; the same chunk stored the same
 * way wherever it appears. Returns the first problem, naming `path`.
 */
export function volumeIndexProblem(path: string, index: VolumeIndex, maxExtents: number = MAX_INDEX_EXTENTS): BundleProblem | undefined {
  const problem = (code: string, message: string): BundleProblem => ({ code, entry: path, message });
  if (!isValidChunkSize(index.chunkSize)) {
    return problem('index-chunk-size', `chunkSize ${index.chunkSize} is not a power of two between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE}`);
  }
  if (!Number.isSafeInteger(index.size) || index.size < 0) return problem('index-size', `invalid size ${index.size}`);
  if (index.extents.length > maxExtents) return problem('index-extents', `${index.extents.length} extents, more than the ${maxExtents} an index may hold`);
  if (index.sha256 === undefined && !hasBaseExtents(index)) return problem('index-sha256', 'no sha256: only an index with extents in its base (an incremental) may leave it out');
  const stored = new Map<string, DataExtent>();
  let end = 0;
  for (const [i, extent] of index.extents.entries()) {
    const at = `extent ${i} (offset ${extent.offset})`;
    if (extent.offset < end) return problem('index-overlap', `${at} overlaps or is out of order (the previous extent ends at ${end})`);
    if (extent.offset > end) return problem('index-gap', `${at} leaves a gap (the previous extent ends at ${end})`);
    if (extent.length <= 0) return problem('index-extent-length', `${at} is empty`);
    const next = extent.offset + extent.length;
    const last = next >= index.size;
    if (isZeroExtent(extent)) {
      if (!last && extent.length % index.chunkSize !== 0) return problem('index-extent-length', `${at}: a zero extent not at the end must be a whole number of chunks`);
    } else {
      if (extent.length > index.chunkSize || (!last && extent.length !== index.chunkSize)) {
        return problem('index-extent-length', `${at}: length ${extent.length}, but chunks are ${index.chunkSize} bytes (only the last may be shorter)`);
      }
      if (extent.stored.size > extent.length) return problem('index-stored-size', `${at}: stored size ${extent.stored.size} is larger than the chunk (${extent.length} bytes)`);
      if (extent.stored.compression === 'none' && (extent.stored.size !== extent.length || extent.stored.sha256 !== extent.sha256)) {
        return problem('index-stored', `${at}: a chunk stored without compression must be stored as its own bytes (same size and sha256)`);
      }
      const previous = stored.get(extent.sha256);
      if (previous && (previous.length !== extent.length || previous.stored.sha256 !== extent.stored.sha256 || previous.stored.size !== extent.stored.size || previous.stored.compression !== extent.stored.compression)) {
        return problem('index-stored', `${at}: chunk ${extent.sha256} is described differently at offset ${previous.offset}`);
      }
      stored.set(extent.sha256, extent);
    }
    end = next;
  }
  if (end !== index.size) return problem('index-total', `extents cover ${end} bytes but the volume size is ${index.size}`);
  return undefined;
}

/** Logical bytes, stored bytes (each distinct chunk once), and what zero elision and deduplication saved. */
export interface VolumeSizes {
  logical: number;
  /** Bytes of the distinct chunks this volume references, as stored (compressed). */
  stored: number;
  /** Bytes in zero extents: never stored. */
  zero: number;
  /** Uncompressed bytes of data extents whose chunk appears earlier in the same volume. */
  deduplicated: number;
  /** Uncompressed bytes of the distinct chunks (what compression worked on). */
  unique: number;
}

/** Sizes of one volume, counting each distinct chunk once within it. */
export function volumeSizes(index: VolumeIndex): VolumeSizes {
  const sizes: VolumeSizes = { logical: index.size, stored: 0, zero: 0, deduplicated: 0, unique: 0 };
  const seen = new Set<string>();
  for (const extent of index.extents) {
    if (isZeroExtent(extent)) {
      sizes.zero += extent.length;
    } else if (seen.has(extent.sha256)) {
      sizes.deduplicated += extent.length;
    } else {
      seen.add(extent.sha256);
      sizes.unique += extent.length;
      sizes.stored += extent.stored.size;
    }
  }
  return sizes;
}

// What each volume of a bundle costs and what deduplication and zero elision saved, for `inspect`.

import { isZeroExtent, type VolumeFormat, type VolumeIndex } from './volume-index.ts';

/** One volume's sizes: logical, what it added to the bundle, and what was saved. */
export interface VolumeUsage {
  namespace: string;
  volume: string;
  format: VolumeFormat;
  chunkSize: number;
  /** Absent for an incremental volume (restore and merge compute it). */
  sha256?: string;
  /** Bytes of data extents whose chunk an earlier bundle of the chain stores (an incremental's unchanged chunks). */
  baseBytes?: number;
  /** The volume's size. */
  logicalBytes: number;
  /** Stored bytes of the chunks this volume added to the bundle (chunks stored first for it). */
  storedBytes: number;
  /** Bytes in zero extents: never stored. */
  zeroBytes: number;
  /** Bytes of data extents whose chunk was already stored (earlier in this volume or for an earlier volume). */
  deduplicatedBytes: number;
  /** Uncompressed bytes of the chunks this volume added: `storedBytes` of it is what zstd left. */
  addedBytes: number;
}

/** The bundle's totals over all volumes. */
export interface DataUsage {
  volumes: number;
  chunks: number;
  logicalBytes: number;
  storedBytes: number;
  zeroBytes: number;
  deduplicatedBytes: number;
  addedBytes: number;
}

/**
 * Adds up volumes in bundle order. A chunk counts as stored for the first volume that names it and as deduplicated
 * for every later use, so per-volume stored bytes add up to the bundle's.
 */
export class VolumeAccounting {
  readonly #stored = new Set<string>();
  readonly #totals: DataUsage = { volumes: 0, chunks: 0, logicalBytes: 0, storedBytes: 0, zeroBytes: 0, deduplicatedBytes: 0, addedBytes: 0 };

  add(index: VolumeIndex): VolumeUsage {
    const usage: VolumeUsage = {
      namespace: index.namespace,
      volume: index.volume,
      format: index.format,
      chunkSize: index.chunkSize,
      ...(index.sha256 !== undefined ? { sha256: index.sha256 } : {}),
      logicalBytes: index.size,
      storedBytes: 0,
      zeroBytes: 0,
      deduplicatedBytes: 0,
      addedBytes: 0,
    };
    for (const extent of index.extents) {
      if (isZeroExtent(extent)) {
        usage.zeroBytes += extent.length;
      } else if (extent.base) {
        usage.baseBytes = (usage.baseBytes ?? 0) + extent.length;
      } else if (this.#stored.has(extent.sha256)) {
        usage.deduplicatedBytes += extent.length;
      } else {
        this.#stored.add(extent.sha256);
        usage.addedBytes += extent.length;
        usage.storedBytes += extent.stored.size;
      }
    }
    const totals = this.#totals;
    totals.volumes += 1;
    totals.chunks = this.#stored.size;
    totals.logicalBytes += usage.logicalBytes;
    totals.storedBytes += usage.storedBytes;
    totals.zeroBytes += usage.zeroBytes;
    totals.deduplicatedBytes += usage.deduplicatedBytes;
    totals.addedBytes += usage.addedBytes;
    return usage;
  }

  get totals(): Readonly<DataUsage> {
    return this.#totals;
  }
}

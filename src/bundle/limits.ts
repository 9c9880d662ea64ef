// Bounds the reader enforces so a hostile bundle cannot exhaust memory; the writer refuses to exceed them too.

/** Size and count bounds; volume data has no size bound because it is streamed, never held whole. */
export interface BundleLimits {
  /** Largest JSON entry (header, graph, object, export record, trailer), checked against the tar header first. */
  maxJsonEntryBytes: number;
  /** Largest sum of all JSON entries: everything the reader holds in memory. */
  maxMetadataBytes: number;
  /** Most entries in one bundle apart from chunks: each costs bookkeeping until the trailer is checked, and the trailer lists them all within maxJsonEntryBytes. */
  maxEntries: number;
  /** Most chunk entries in one bundle (v1alpha2): the reader keeps about 200 bytes for each until the end. */
  maxChunks: number;
  /** Largest chunk entry, checked against the tar header before reading (a chunk never stores more than its length). */
  maxChunkBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<BundleLimits> = Object.freeze({
  maxJsonEntryBytes: 64 * MiB,
  maxMetadataBytes: 512 * MiB,
  maxEntries: 250_000,
  maxChunks: 1_048_576,
  maxChunkBytes: 16 * MiB,
});

/** `bytes` for messages: `64 MiB`, `3.5 KiB`, `12 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = unit === 0 || Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${rounded} ${units[unit]}`;
}

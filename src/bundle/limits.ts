// Bounds the reader enforces so a hostile bundle cannot exhaust memory; the writer refuses to exceed them too.

/** Size and count bounds; volume data has no size bound because it is streamed, never held. */
export interface BundleLimits {
  /** Largest JSON entry (header, graph, object, export record, trailer), checked against the tar header first. */
  maxJsonEntryBytes: number;
  /** Largest sum of all JSON entries: everything the reader holds in memory. */
  maxMetadataBytes: number;
  /** Most entries in one bundle: each costs bookkeeping until the trailer is checked, and the trailer lists them all within maxJsonEntryBytes. */
  maxEntries: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<BundleLimits> = Object.freeze({
  maxJsonEntryBytes: 64 * MiB,
  maxMetadataBytes: 512 * MiB,
  maxEntries: 250_000,
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

// Zero detection for chunks: an all-zero chunk is never stored, only described by a zero extent.

/**
 * True when every byte of `bytes` is zero. Scans 8 bytes at a time where the view is aligned, and stops at the
 * first non-zero word, so data chunks (almost always non-zero early) cost next to nothing.
 */
export function isAllZero(bytes: Uint8Array): boolean {
  const length = bytes.byteLength;
  let i = 0;
  // Leading bytes up to 8-byte alignment of the underlying buffer.
  while (i < length && (bytes.byteOffset + i) % 8 !== 0) {
    if (bytes[i] !== 0) return false;
    i += 1;
  }
  const words = Math.floor((length - i) / 8);
  if (words > 0) {
    const view = new BigUint64Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w++) if (view[w] !== 0n) return false;
    i += words * 8;
  }
  for (; i < length; i++) if (bytes[i] !== 0) return false;
  return true;
}

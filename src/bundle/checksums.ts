// Checksum bookkeeping: entry digests, the trailer and its digest, and the comparison the reader ends with.

import { createHash } from 'node:crypto';
import type { Trailer, TrailerChunks, TrailerEntry } from './documents.ts';
import { TRAILER_PATH } from './layout.ts';
import type { BundleProblem } from './problems.ts';

/** Lower-case hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * sha256 over the lines `<sha256> <size> <path>\n` of `entries`, in order. Neither sha256 nor size holds a space,
 * so each line splits unambiguously at its first two spaces.
 */
export function trailerDigest(entries: readonly TrailerEntry[]): string {
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(`${entry.sha256} ${entry.size} ${entry.path}\n`);
  return hash.digest('hex');
}

/** The trailer for the entries written so far (and, for v1alpha2, the chunk count and bytes). */
export function buildTrailer(entries: readonly TrailerEntry[], chunks?: TrailerChunks): Trailer {
  const listed = entries.map((entry) => ({ path: entry.path, size: entry.size, sha256: entry.sha256 }));
  const trailer: Trailer = { algorithm: 'sha256', entries: listed, digest: trailerDigest(listed) };
  return chunks ? { algorithm: 'sha256', entries: listed, chunks: { count: chunks.count, storedBytes: chunks.storedBytes }, digest: trailer.digest } : trailer;
}

/**
 * Compares what the reader saw with what the trailer lists: every entry listed once, in order, with the same size
 * and sha256, nothing missing, nothing extra, and the trailer's own digest right. Returns every difference.
 */
export function compareWithTrailer(seen: readonly TrailerEntry[], trailer: Trailer): BundleProblem[] {
  const problems: BundleProblem[] = [];
  if (trailerDigest(trailer.entries) !== trailer.digest) {
    problems.push({ code: 'trailer-digest', entry: TRAILER_PATH, message: 'digest does not match the listed entries' });
  }
  const listed = new Map<string, { entry: TrailerEntry; index: number }>();
  trailer.entries.forEach((entry, index) => {
    if (listed.has(entry.path)) {
      problems.push({ code: 'trailer-duplicate', entry: TRAILER_PATH, message: `lists ${entry.path} twice` });
    } else {
      listed.set(entry.path, { entry, index });
    }
  });
  const seenPaths = new Set<string>();
  let inOrder = true;
  seen.forEach((entry, index) => {
    seenPaths.add(entry.path);
    const expected = listed.get(entry.path);
    if (!expected) {
      problems.push({ code: 'not-in-trailer', entry: entry.path, message: 'not listed in the trailer' });
      return;
    }
    if (expected.index !== index) inOrder = false;
    if (expected.entry.size !== entry.size) {
      problems.push({ code: 'size-mismatch', entry: entry.path, message: `size mismatch (trailer says ${expected.entry.size}, entry has ${entry.size})` });
    } else if (expected.entry.sha256 !== entry.sha256) {
      problems.push({ code: 'sha256-mismatch', entry: entry.path, message: 'sha256 mismatch' });
    }
  });
  for (const entry of trailer.entries) {
    if (!seenPaths.has(entry.path)) {
      problems.push({ code: 'missing-entry', entry: entry.path, message: 'listed in the trailer but not in the bundle' });
    }
  }
  if (problems.length === 0 && !inOrder) {
    problems.push({ code: 'trailer-order', entry: TRAILER_PATH, message: 'lists the entries in a different order than the bundle holds them' });
  }
  return problems;
}

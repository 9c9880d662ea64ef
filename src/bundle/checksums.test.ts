// Trailer digests and the comparison of what was read with what the trailer lists.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildTrailer, compareWithTrailer, sha256Hex, trailerDigest } from './checksums.ts';
import type { TrailerEntry } from './documents.ts';

const a: TrailerEntry = { path: 'kvbackup.json', size: 3, sha256: sha256Hex(new TextEncoder().encode('abc')) };
const b: TrailerEntry = { path: 'graph.json', size: 2, sha256: sha256Hex(new TextEncoder().encode('{}')) };

describe('checksums', () => {
  it('hashes bytes as sha256 hex', () => {
    assert.equal(a.sha256, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('digests the trailer list as documented lines', () => {
    const expected = createHash('sha256').update(`${a.sha256} 3 kvbackup.json\n${b.sha256} 2 graph.json\n`).digest('hex');
    assert.equal(trailerDigest([a, b]), expected);
    assert.deepEqual(buildTrailer([a, b]), { algorithm: 'sha256', entries: [a, b], digest: expected });
  });

  it('finds nothing wrong when everything matches', () => {
    assert.deepEqual(compareWithTrailer([a, b], buildTrailer([a, b])), []);
  });

  it('lists every difference, naming each entry', () => {
    const c: TrailerEntry = { path: 'objects/core/Secret/ns1/s.json', size: 1, sha256: '0'.repeat(64) };
    const trailer = buildTrailer([a, { ...b, size: 5 }, { ...c, sha256: '1'.repeat(64) }, { path: 'exports/ns1/vm.json', size: 1, sha256: '2'.repeat(64) }]);
    const seen = [a, b, c, { path: 'data/ns1/d/disk.img', size: 0, sha256: '3'.repeat(64) }];
    assert.deepEqual(
      compareWithTrailer(seen, trailer).map((problem) => `${problem.code} ${problem.entry}`),
      ['size-mismatch graph.json', 'sha256-mismatch objects/core/Secret/ns1/s.json', 'not-in-trailer data/ns1/d/disk.img', 'missing-entry exports/ns1/vm.json'],
    );
  });

  it('notices a trailer whose digest does not match its list, and duplicates in it', () => {
    const trailer = { ...buildTrailer([a, b]), digest: '0'.repeat(64) };
    assert.deepEqual(compareWithTrailer([a, b], trailer).map((p) => p.code), ['trailer-digest']);
    assert.deepEqual(compareWithTrailer([a], buildTrailer([a, a])).map((p) => p.code), ['trailer-duplicate']);
  });

  it('notices entries listed in another order', () => {
    assert.deepEqual(compareWithTrailer([a, b], buildTrailer([b, a])).map((p) => p.code), ['trailer-order']);
  });
});

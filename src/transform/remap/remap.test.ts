// Golden tests for the remap generators: a seed must give the same values in later versions (docs/remap-algorithm.md).

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { InputError } from '../../errors.ts';
import { assignNewValues } from './assign.ts';
import { deriveBytes } from './derive.ts';
import { candidateMac, formatMac, isLocallyAdministeredMac, isUnicastMac, normaliseMac } from './mac.ts';
import { candidateSerial, isRemappableSerial } from './serial.ts';
import { candidateUuid, isUuidV4, normaliseUuid } from './uuid.ts';

describe('deriveBytes', () => {
  it('is HMAC-SHA256 keyed by the seed over the documented message', () => {
    const expected = createHmac('sha256', 'kvbackup').update('kvbackup/v1\nmac\n525400123456\n0\n0').digest();
    assert.deepEqual(deriveBytes('kvbackup', 'mac', '525400123456', 0, 32), expected);
    assert.equal(expected.toString('hex').slice(0, 16), '0ac5987bf03b1a4b');
  });

  it('chains blocks for longer outputs', () => {
    const block1 = createHmac('sha256', 'kvbackup').update('kvbackup/v1\nmac\n525400123456\n0\n1').digest();
    assert.deepEqual(deriveBytes('kvbackup', 'mac', '525400123456', 0, 40).subarray(32), block1.subarray(0, 8));
  });
});

describe('MAC addresses', () => {
  it('normalises the usual spellings and rejects others', () => {
    for (const spelling of ['52:54:00:AB:cd:ef', '52-54-00-ab-CD-EF', '5254.00ab.cdef']) assert.equal(normaliseMac(spelling), '525400abcdef');
    for (const bad of ['52:54:00:ab:cd', '52:54-00:ab:cd:ef', '525400abcdef', 'zz:54:00:ab:cd:ef', 42, undefined]) {
      assert.equal(normaliseMac(bad), undefined, String(bad));
    }
    assert.equal(formatMac('525400abcdef'), '52:54:00:ab:cd:ef');
  });

  it('pins seed → MAC (changing these breaks reproducibility)', () => {
    const pins: [string, string, number, string][] = [
      ['kvbackup', '525400123456', 0, '0a:c5:98:7b:f0:3b'],
      ['kvbackup', '525400123456', 1, '12:53:88:d2:4f:53'],
      ['another seed', '525400123456', 0, 'c2:5c:aa:82:16:9a'],
      ['kvbackup', '0a1b2c3d4e5f', 0, 'fe:f6:0c:70:2e:86'],
    ];
    for (const [seed, old, attempt, expected] of pins) assert.equal(formatMac(candidateMac(seed, old, attempt)), expected);
  });

  it('derives unicast, locally administered addresses', () => {
    for (let i = 0; i < 200; i++) {
      const mac = candidateMac('s', i.toString(16).padStart(12, '0'), 0);
      assert.ok(isUnicastMac(mac) && isLocallyAdministeredMac(mac), mac);
    }
    assert.ok(!isUnicastMac('010000000000'));
    assert.ok(!isLocallyAdministeredMac('005056000000'));
  });
});

describe('serials', () => {
  it('pins seed → serial, keeping length and class per position', () => {
    assert.equal(candidateSerial('kvbackup', 'VM-2024-abc', 0), 'IX-0593-rnv');
    assert.equal(candidateSerial('kvbackup', 'VM-2024-abc', 1), 'QR-6710-igu');
    assert.equal(candidateSerial('kvbackup', '1234567890', 0), '6524455954');
    assert.equal(candidateSerial('kvbackup', 'ñ-Z9', 0), 'ñ-O9');
  });

  it('cannot change a serial without letters or digits', () => {
    assert.equal(isRemappableSerial('-_-'), false);
    assert.equal(candidateSerial('kvbackup', '-_-', 0), undefined);
  });
});

describe('UUIDs', () => {
  it('pins seed → UUID, a version 4 UUID', () => {
    const old = '5d307ca9-b3ef-428c-8861-06e72d69f223';
    assert.equal(candidateUuid('kvbackup', old, 0), 'a4c04841-1a7e-470f-9828-e0d2f28e3e3c');
    assert.equal(candidateUuid('kvbackup', old, 1), 'd70cd10d-eaad-41af-bdd4-edc6f351c383');
    for (let i = 0; i < 100; i++) assert.ok(isUuidV4(candidateUuid('s', String(i), 0)));
  });

  it('normalises case and rejects other shapes', () => {
    assert.equal(normaliseUuid('5D307CA9-B3EF-428C-8861-06E72D69F223'), '5d307ca9-b3ef-428c-8861-06e72d69f223');
    assert.equal(normaliseUuid('5d307ca9b3ef428c886106e72d69f223'), undefined);
  });
});

describe('assignNewValues', () => {
  it('skips taken candidates in sorted order of the old values, whatever the input order', () => {
    // Every old value's first candidate is "x": the first old value (sorted) gets it, the next its second, …
    const candidate = (old: string, attempt: number) => (attempt === 0 ? 'x' : `${old}-${attempt}`);
    const forward = assignNewValues({ olds: ['b', 'a', 'c', 'a'], candidate, what: 'thing' });
    const backward = assignNewValues({ olds: ['c', 'a', 'b'], candidate, what: 'thing' });
    assert.deepEqual([...forward].sort(), [['a', 'x'], ['b', 'b-1'], ['c', 'c-1']]);
    assert.deepEqual([...backward].sort(), [...forward].sort());
  });

  it('never gives an old value or an explicit new value', () => {
    const candidate = (old: string, attempt: number) => ['a', 'z', 'q'][attempt] ?? `${old}${attempt}`;
    const result = assignNewValues({ olds: ['a', 'b'], explicit: new Map([['a', 'z']]), candidate, what: 'thing' });
    assert.deepEqual([...result].sort(), [['a', 'z'], ['b', 'q']]);
  });

  it('leaves out values without any candidate', () => {
    const result = assignNewValues({ olds: ['a'], candidate: () => undefined, what: 'thing' });
    assert.equal(result.size, 0);
  });

  it('gives up with an InputError when the value space is exhausted', () => {
    assert.throws(() => assignNewValues({ olds: ['1', '2'], candidate: () => '1', what: 'firmware serial' }), InputError);
  });
});

// Tests for the MAC map file checks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../errors.ts';
import { normalisedMacMap, validateMacMap } from './mac-map.ts';

describe('validateMacMap', () => {
  it('accepts old → unicast new pairs in any spelling', () => {
    const map = { '52:54:00:12:34:56': '02:00:00:00:00:01', '52-54-00-AB-CD-EF': '0E-00-00-00-00-02', '5254.0000.0001': '0200.0000.0003' };
    assert.equal(validateMacMap(map, 'm.yaml'), map);
    assert.deepEqual(
      [...normalisedMacMap(map)],
      [['525400123456', '020000000001'], ['525400abcdef', '0e0000000002'], ['525400000001', '020000000003']],
    );
  });

  it('accepts an empty map and one old address spelled twice with the same new one', () => {
    assert.deepEqual(validateMacMap({}, 'm.yaml'), {});
    validateMacMap({ '52:54:00:12:34:56': '02:00:00:00:00:01', '52-54-00-12-34-56': '02-00-00-00-00-01' }, 'm.yaml');
  });

  const bad: [string, unknown, RegExp][] = [
    ['a list', ['52:54:00:12:34:56'], /m.yaml: not a valid MAC map/],
    ['a non-MAC key', { 'eth0': '02:00:00:00:00:01' }, /not a valid MAC map/],
    ['a multicast new address', { '52:54:00:12:34:56': '01:00:5e:00:00:01' }, /not a valid MAC map/],
    ['mixed separators', { '52:54-00:12:34:56': '02:00:00:00:00:01' }, /not a valid MAC map/],
    [
      'one old address mapped twice',
      { '52:54:00:12:34:56': '02:00:00:00:00:01', '52-54-00-12-34-56': '02:00:00:00:00:02' },
      /52:54:00:12:34:56 is mapped twice, to 02:00:00:00:00:01 and to 02:00:00:00:00:02/,
    ],
    [
      'two old addresses mapped to one new',
      { '52:54:00:12:34:56': '02:00:00:00:00:01', '52:54:00:12:34:57': '02-00-00-00-00-01' },
      /52:54:00:12:34:56 and 52:54:00:12:34:57 both map to 02:00:00:00:00:01/,
    ],
  ];
  for (const [name, document, message] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(() => validateMacMap(document, 'm.yaml'), (error: Error) => error instanceof InputError && message.test(error.message));
    });
  }
});

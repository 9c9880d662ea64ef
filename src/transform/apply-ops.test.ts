// Tests for applying ops copy-on-write, finding conflicts, and JSON Pointers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InternalError } from '../errors.ts';
import { applyOps, checkConflicts } from './apply-ops.ts';
import { parsePointer, pointer } from './pointer.ts';
import { deepFreeze } from './rule-tester.ts';

describe('JSON pointers', () => {
  it('escapes ~ and / and round-trips', () => {
    assert.equal(pointer('metadata', 'annotations', 'a/b~c', 0), '/metadata/annotations/a~1b~0c/0');
    assert.deepEqual(parsePointer('/metadata/annotations/a~1b~0c/0'), ['metadata', 'annotations', 'a/b~c', '0']);
    assert.deepEqual(parsePointer(''), []);
    assert.throws(() => parsePointer('metadata'), SyntaxError);
  });
});

describe('applyOps', () => {
  const input = deepFreeze({ a: { b: 1, c: [{ d: 'x' }, { d: 'y' }] }, e: { f: true } });

  it('copies only the containers on changed paths', () => {
    const output = applyOps(input, [{ op: 'replace', path: '/a/c/1/d', old: 'y', new: 'z' }]);
    assert.deepEqual(output, { a: { b: 1, c: [{ d: 'x' }, { d: 'z' }] }, e: { f: true } });
    assert.equal(output.e, input.e);
    assert.equal(output.a.c[0], input.a.c[0]);
    assert.notEqual(output.a.c, input.a.c);
  });

  it('returns the input itself when there is nothing to do', () => {
    assert.equal(applyOps(input, []), input);
  });

  it('adds missing parents, appends new keys, removes members', () => {
    const output = applyOps(input, [
      { op: 'add', path: '/g/h/i', new: 1 },
      { op: 'add', path: '/a/a', new: 2 },
      { op: 'remove', path: '/e/f', old: true },
    ]);
    assert.equal(JSON.stringify(output), '{"a":{"b":1,"c":[{"d":"x"},{"d":"y"}],"a":2},"e":{},"g":{"h":{"i":1}}}');
  });

  it('keeps a __proto__ key an ordinary member', () => {
    const output = applyOps(JSON.parse('{"m":{}}') as { m: object }, [{ op: 'add', path: '/m/__proto__', new: { polluted: true } }]);
    assert.equal(JSON.stringify(output), '{"m":{"__proto__":{"polluted":true}}}');
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  const bad: [string, Parameters<typeof applyOps>[1]][] = [
    ['add over a member', [{ op: 'add', path: '/a/b', new: 2 }]],
    ['replace a missing member', [{ op: 'replace', path: '/a/x', old: 1, new: 2 }]],
    ['remove with a wrong old value', [{ op: 'remove', path: '/a/b', old: 2 }]],
    ['insert into an array', [{ op: 'add', path: '/a/c/2', new: {} }]],
    ['remove from an array', [{ op: 'remove', path: '/a/c/0', old: { d: 'x' } }]],
    ['walk through a primitive', [{ op: 'add', path: '/a/b/x', new: 1 }]],
    ['change the whole object', [{ op: 'replace', path: '', old: {}, new: {} }]],
  ];
  for (const [name, ops] of bad) {
    it(`refuses to ${name}`, () => assert.throws(() => applyOps(input, ops), InternalError));
  }
});

describe('checkConflicts', () => {
  const at = (rule: string, path: string) => ({ rule, op: { op: 'add' as const, path, new: 1 } });

  it('allows siblings and look-alike prefixes', () => {
    checkConflicts([at('r1', '/a/b'), at('r2', '/a/c'), at('r3', '/a/b!'), at('r4', '/a/bc')], () => 'x');
  });

  it('finds an ancestor even with look-alike siblings in between', () => {
    assert.throws(() => checkConflicts([at('r1', '/a/b'), at('r2', '/a/b!'), at('r3', '/a/b/c')], () => 'obj'), /rules r1 and r3 both change obj: \/a\/b and \/a\/b\/c overlap/);
  });

  it('finds the same path twice', () => {
    assert.throws(() => checkConflicts([at('r1', '/a'), at('r2', '/a')], () => 'obj'), /rules r1 and r2 both change obj/);
  });
});

// Tests for the transform options: defaults, checks, and agreement with their JSON Schema.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError, UsageError } from '../errors.ts';
import { DEFAULT_TRANSFORM_OPTIONS, resolveTransformOptions, type TransformOptionsInput } from './options.ts';
import { validatorFor } from './schemas.ts';

const validOptions = validatorFor('kvbackup/report.v1alpha1.schema.json#/definitions/transformOptions');

const usageErrors: [string, TransformOptionsInput][] = [
  ['empty seed', { seed: '' }],
  ['unknown mode', { seed: 's', mac: 'shuffle' as 'keep' }],
  ['unknown firmware mode', { seed: 's', firmware: 'new' as 'keep' }],
  ['unknown key', { seed: 's', colour: 'red' } as TransformOptionsInput],
  ['target namespace and namespace map', { seed: 's', targetNamespace: 'a', namespaceMap: { b: 'c' } }],
  ['bad target namespace', { seed: 's', targetNamespace: 'Not_Valid' }],
  ['too long a namespace', { seed: 's', targetNamespace: 'a'.repeat(64) }],
  ['bad namespace map value', { seed: 's', namespaceMap: { a: 'b/c' } }],
  ['bad storage class', { seed: 's', storageClassMap: { 'a..b': 'c' } }],
  ['unknown run strategy', { seed: 's', runStrategy: 'Sometimes' as 'Once' }],
  ['mac map without remap', { seed: 's', mac: 'clear', macMap: {} }],
];

describe('resolveTransformOptions', () => {
  it('applies the defaults', () => {
    assert.deepEqual(resolveTransformOptions({ seed: 's' }), { ...DEFAULT_TRANSFORM_OPTIONS, seed: 's' });
  });

  it('treats options given as undefined as not given', () => {
    const input = { seed: 's', targetNamespace: undefined, runStrategy: undefined } as unknown as TransformOptionsInput;
    assert.deepEqual(resolveTransformOptions(input), { ...DEFAULT_TRANSFORM_OPTIONS, seed: 's' });
  });

  it('puts keys in a fixed order and sorts the maps', () => {
    const resolved = resolveTransformOptions({
      runStrategy: 'Halted',
      storageClassMap: { b: 'x', a: 'y' },
      seed: 's',
      namespaceMap: { z: 'a', m: 'b' },
      macMap: { '52:54:00:00:00:02': '02:00:00:00:00:02', '52:54:00:00:00:01': '02:00:00:00:00:01' },
    });
    assert.equal(
      JSON.stringify(resolved),
      '{"mac":"remap","firmware":"remap","seed":"s","macMap":{"52:54:00:00:00:01":"02:00:00:00:00:01","52:54:00:00:00:02":"02:00:00:00:00:02"},"namespaceMap":{"m":"b","z":"a"},"storageClassMap":{"a":"y","b":"x"},"runStrategy":"Halted"}',
    );
  });

  for (const [name, input] of usageErrors) {
    it(`refuses ${name}`, () => {
      assert.throws(() => resolveTransformOptions(input), UsageError);
    });
  }

  it('refuses a bad MAC map as an input error', () => {
    assert.throws(() => resolveTransformOptions({ seed: 's', macMap: { a: 'b' } }), InputError);
  });
});

describe('transform options schema', () => {
  it('accepts the defaults and resolved options', () => {
    assert.ok(validOptions({ ...DEFAULT_TRANSFORM_OPTIONS }));
    const resolved = resolveTransformOptions({ seed: 's', targetNamespace: 'x', storageClassMap: { a: 'b' }, runStrategy: 'Once' });
    assert.ok(validOptions(resolved), JSON.stringify(validOptions.errors));
  });

  it('rejects what resolveTransformOptions rejects', () => {
    for (const [name, input] of usageErrors) {
      if (name === 'empty seed' || name === 'mac map without remap') continue; // checks beyond the schema
      assert.ok(!validOptions({ ...DEFAULT_TRANSFORM_OPTIONS, ...input }), name);
    }
  });
});

// Tests for the transform options: the declarations the rules make, the schema generated from them, defaults, checks.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { InputError, InternalError, UsageError } from '../errors.ts';
import { defineOption } from './option.ts';
import {
  checkOptionValue,
  collectOptions,
  DEFAULT_TRANSFORM_OPTIONS,
  resolveTransformOptions,
  TRANSFORM_OPTIONS,
  TRANSFORM_OPTIONS_SCHEMA_ID,
  type TransformOptions,
  type TransformOptionsInput,
} from './options.ts';
import { defineRule, NO_CHANGES } from './rule.ts';
import { RULES } from './rules/index.ts';
import { validatorFor } from '../schemas.ts';

const validOptions = validatorFor(TRANSFORM_OPTIONS_SCHEMA_ID);

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
  ['a MAC map that is not one', { seed: 's', macMap: { a: 'b' } }],
];

describe('declared transform options', () => {
  it('are the options the rules declare, each from its rules', () => {
    const declared = new Set(RULES.flatMap((rule) => Object.keys(rule.options ?? {})));
    assert.deepEqual(new Set(TRANSFORM_OPTIONS.map(({ key }) => key)), declared);
    for (const { key, rules } of TRANSFORM_OPTIONS) {
      assert.deepEqual(rules, RULES.filter((rule) => rule.options && key in rule.options).map((rule) => rule.name), key);
    }
  });

  it('map every flag to exactly one option, kebab-case and unique', () => {
    const flags = TRANSFORM_OPTIONS.map(({ declaration }) => declaration.flag.name);
    assert.equal(new Set(flags).size, flags.length);
    for (const flag of flags) assert.match(flag, /^[a-z]+(-[a-z]+)*$/);
  });

  for (const { key, declaration } of TRANSFORM_OPTIONS) {
    describe(key, () => {
      it('is a camelCase key with a one-line help text', () => {
        assert.match(key, /^[a-z][a-zA-Z]*$/);
        assert.ok(declaration.flag.description.length > 0 && !declaration.flag.description.includes('\n'));
      });

      it('has a default that its schema accepts, or none', () => {
        if (declaration.default === undefined) return;
        assert.ok(validOptions({ ...DEFAULT_TRANSFORM_OPTIONS, [key]: declaration.default }), JSON.stringify(validOptions.errors));
      });

      it('names only declared options in excludes and requires, symmetrically', () => {
        for (const other of declaration.excludes ?? []) {
          const otherOption = TRANSFORM_OPTIONS.find((option) => option.key === other);
          assert.ok(otherOption, `${key} excludes unknown ${other}`);
          assert.ok(otherOption.declaration.excludes?.includes(key), `${other} does not exclude ${key} in turn`);
        }
        for (const other of Object.keys(declaration.requires ?? {})) {
          assert.ok(TRANSFORM_OPTIONS.some((option) => option.key === other), `${key} requires unknown ${other}`);
        }
      });

      it('rejects a value of the wrong type', () => {
        assert.ok(!validOptions({ ...DEFAULT_TRANSFORM_OPTIONS, [key]: { wrong: [1] } }), key);
      });
    });
  }

  it('rejects arbitrary keys', () => {
    for (const key of ['colour', 'Mac', 'mac-map', 'rules', '']) {
      assert.ok(!validOptions({ ...DEFAULT_TRANSFORM_OPTIONS, [key]: 'x' }), key);
      assert.throws(() => resolveTransformOptions({ seed: 's', [key]: 'x' } as TransformOptionsInput), UsageError, key);
    }
  });

  it('refuse two different declarations of one key', () => {
    const option = () => defineOption<string>({ schema: { type: 'string' }, flag: { name: 'x', argument: 'value', description: 'x' }, rewrites: false });
    const a = defineRule({ name: 'set-a', description: 'Set a.', options: { x: option() }, create: () => NO_CHANGES });
    const b = defineRule({ name: 'set-b', description: 'Set b.', options: { x: option() }, create: () => NO_CHANGES });
    assert.throws(() => collectOptions([a, b]), InternalError);
    const shared = option();
    const c = defineRule({ name: 'set-c', description: 'Set c.', options: { x: shared }, create: () => NO_CHANGES });
    const d = defineRule({ name: 'set-d', description: 'Set d.', options: { x: shared }, create: () => NO_CHANGES });
    assert.deepEqual(collectOptions([c, d]).map(({ key, rules }) => [key, rules]), [['x', ['set-c', 'set-d']]]);
  });

  it('type the resolved options from the declarations', () => {
    const options: TransformOptions = { mac: 'keep', firmware: 'remap', seed: 's' };
    // @ts-expect-error an option no rule declares is not part of the type
    const unknown: TransformOptions = { ...options, colour: 'red' };
    assert.ok(unknown);
  });
});

describe('resolveTransformOptions', () => {
  it('applies the defaults', () => {
    assert.deepEqual(resolveTransformOptions({ seed: 's' }), { ...DEFAULT_TRANSFORM_OPTIONS, seed: 's' });
    assert.deepEqual(DEFAULT_TRANSFORM_OPTIONS, { mac: 'remap', firmware: 'remap' });
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

  it('names the flag, the allowed values and the value given', () => {
    assert.throws(() => resolveTransformOptions({ seed: 's', mac: 'shuffle' as 'keep' }), /--mac: must be one of remap, clear, keep, not "shuffle"/);
    assert.throws(() => resolveTransformOptions({ seed: 's', targetNamespace: 'Not_Valid' }), /--target-namespace: must match pattern .*, not "Not_Valid"/);
  });

  it('says which flags cannot be combined', () => {
    assert.throws(() => resolveTransformOptions({ seed: 's', targetNamespace: 'a', namespaceMap: { b: 'c' } }), /--target-namespace and --namespace-map cannot be combined/);
    assert.throws(() => resolveTransformOptions({ seed: 's', mac: 'keep', macMap: {} }), /--mac-map needs --mac "remap", not "keep"/);
  });

  it("runs an option's own check beyond the schema, as an input error", () => {
    const colliding = { '52:54:00:00:00:01': '02:00:00:00:00:09', '52:54:00:00:00:02': '02:00:00:00:00:09' };
    assert.throws(() => resolveTransformOptions({ seed: 's', macMap: colliding }), InputError);
  });
});

describe('checkOptionValue', () => {
  it('checks a value read from a file against its option, naming the file', () => {
    assert.deepEqual(checkOptionValue('macMap', { '52:54:00:00:00:01': '02:00:00:00:00:01' }, 'm.yaml'), { '52:54:00:00:00:01': '02:00:00:00:00:01' });
    assert.throws(() => checkOptionValue('macMap', ['x'], 'm.yaml'), (error: unknown) => error instanceof InputError && /^m\.yaml: not a valid --mac-map value/.test(error.message));
    assert.throws(() => checkOptionValue('macMap', { '52:54:00:00:00:01': '02:00:00:00:00:09', '52:54:00:00:00:02': '02:00:00:00:00:09' }, 'm.yaml'), /m\.yaml: .* both map to/);
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
      if (name === 'empty seed') continue; // the stored options have no seed
      assert.ok(!validOptions({ ...DEFAULT_TRANSFORM_OPTIONS, ...input }), name);
    }
  });

  it('is what reports store their options by', () => {
    const report = JSON.parse(readFileSync(new URL('../../schemas/report.v1alpha1.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(report.properties.options, { $ref: 'transform-options.schema.json' });
  });
});

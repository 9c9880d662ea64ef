import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../errors.ts';
import { TRANSFORM_OPTIONS } from '../transform/index.ts';
import { checkAlreadyTransformed, deriveSeed, namespaceMapper } from './transform-plan.ts';

const refs = [
  { group: 'kubevirt.io', kind: 'VirtualMachine', namespace: 'a', name: 'vm' },
  { group: '', kind: 'Secret', namespace: 'a', name: 's' },
];

describe('restore transform planning', () => {
  it('derives the same seed for the same objects in any order, another for another target namespace', () => {
    const seed = deriveSeed(refs, { targetNamespace: 'b' });
    assert.equal(deriveSeed([...refs].reverse(), { targetNamespace: 'b' }), seed);
    assert.notEqual(deriveSeed(refs, { targetNamespace: 'c' }), seed);
    assert.notEqual(deriveSeed(refs, {}), seed);
    assert.match(seed, /^restore-[0-9a-f]{24}$/);
  });

  it('refuses flags that would transform an already transformed bundle again, naming them', () => {
    assert.doesNotThrow(() => checkAlreadyTransformed({}, ['r']));
    assert.throws(() => checkAlreadyTransformed({ targetNamespace: 'x', runStrategy: 'Halted' }, ['r']), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /already transformed.*--target-namespace, --run-strategy/);
      return true;
    });
  });

  it('names every declared option that rewrites a bundle, given as a value or as a file, and only those', () => {
    const message = (flags: Parameters<typeof checkAlreadyTransformed>[0]) => {
      try {
        checkAlreadyTransformed(flags, ['r']);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    for (const { key, declaration } of TRANSFORM_OPTIONS) {
      const given = declaration.flag.argument === 'file' ? { files: { [key]: 'f.yaml' } } : { [key]: 'x' };
      assert.equal(message(given).includes(`--${declaration.flag.name} would`), declaration.rewrites, key);
    }
    assert.equal(message({ mac: 'remap' }), message({ mac: 'keep' }), 'a flag given with its default value counts as given');
    assert.equal(message({ files: {} }), '');
  });

  it('maps namespaces as the transform options moved them', () => {
    assert.equal(namespaceMapper({ targetNamespace: 't' })('anything'), 't');
    const map = namespaceMapper({ namespaceMap: { a: 'b' } });
    assert.equal(map('a'), 'b');
    assert.equal(map('c'), 'c');
    assert.equal(namespaceMapper(undefined)('a'), 'a');
  });
});

// Tests for the transform option flags: one per declared option, parsed back by option key.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import yargs from 'yargs';
import { TRANSFORM_OPTION_FLAGS } from '../src/app/options.ts';
import { readTransformFlags, withTransformFlags } from './transform-flags.ts';

function parse(args: string[]) {
  return withTransformFlags(yargs().exitProcess(false).strict().fail((message) => { throw new Error(message); })).parseSync(args);
}

describe('transform option flags', () => {
  it('are one flag per declared option, with the choices of its schema', () => {
    // getOptions() is yargs API its type declarations leave out.
    const parser = withTransformFlags(yargs()) as unknown as { getOptions(): { key: Record<string, unknown>; choices: Record<string, unknown> } };
    const options = parser.getOptions();
    for (const { declaration } of TRANSFORM_OPTION_FLAGS) {
      const name = declaration.flag.name;
      assert.ok(options.key[name] !== undefined, `--${name} is not a flag`);
      const choices = options.choices[name];
      assert.deepEqual(choices, declaration.schema['enum'], name);
    }
  });

  it('read back by option key: values, pairs and files, nothing for flags left out', () => {
    const argv = parse(['--mac', 'keep', '--namespace-map', 'a=b', '--namespace-map', 'c=d', '--mac-map', 'pairs.yaml', '--run-strategy', 'Halted']);
    assert.deepEqual(readTransformFlags(argv), { mac: 'keep', namespaceMap: { a: 'b', c: 'd' }, runStrategy: 'Halted', files: { macMap: 'pairs.yaml' } });
    assert.deepEqual(readTransformFlags(parse([])), { files: {} });
  });

  it('refuse a value outside the choices and options that exclude each other', () => {
    assert.throws(() => parse(['--firmware', 'shuffle']), /Invalid values/);
    assert.throws(() => parse(['--target-namespace', 'a', '--namespace-map', 'b=c']), /mutually exclusive/);
  });
});

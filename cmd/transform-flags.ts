// The transform option flags, shared by `transform` and `restore`, derived from the options the rules declare.

import type { Argv, Options } from 'yargs';
import { TRANSFORM_OPTION_FLAGS, type TransformFlags } from '../src/app/options.ts';
import { parsePairs } from './flags.ts';

/**
 * Adds one flag per declared option. No flag has a yargs default (help shows it): restore must tell a flag given
 * from one left out. `seedDefault` says what happens without the required options (transform: a random seed;
 * restore: one derived from the input).
 */
export function withTransformFlags<T>(yargs: Argv<T>, seedDefault = 'random, printed on stderr'): Argv<T> {
  const options: Record<string, Options> = {};
  for (const { declaration } of TRANSFORM_OPTION_FLAGS) {
    const { flag, schema } = declaration;
    const option: Options = { description: flag.description, requiresArg: true };
    if (declaration.default !== undefined) option.defaultDescription = String(declaration.default);
    else if (declaration.required) option.defaultDescription = seedDefault;
    if (flag.argument === 'pairs') {
      option.type = 'string';
      option.array = true;
      option.coerce = (values: string[]) => values && parsePairs(flag.name, values);
    } else if (Array.isArray(schema['enum'])) {
      option.choices = schema['enum'] as string[];
    } else {
      option.type = 'string';
    }
    options[flag.name] = option;
  }
  // Typed as the input: the flags are read back by option key, through readTransformFlags.
  let result = yargs.options(options) as Argv<T>;
  for (const { key, declaration } of TRANSFORM_OPTION_FLAGS) {
    for (const other of declaration.excludes ?? []) {
      const otherFlag = TRANSFORM_OPTION_FLAGS.find((option) => option.key === other)?.declaration.flag.name;
      if (otherFlag !== undefined && key < other) result = result.conflicts(declaration.flag.name, otherFlag);
    }
  }
  return result;
}

/** The transform flags of parsed arguments, by option key. */
export function readTransformFlags(argv: object): TransformFlags {
  const values: Record<string, unknown> = {};
  const files: Record<string, unknown> = {};
  for (const { key, declaration } of TRANSFORM_OPTION_FLAGS) {
    const value = (argv as { [flag: string]: unknown })[declaration.flag.name];
    if (value === undefined) continue;
    if (declaration.flag.argument === 'file') files[key] = value;
    else values[key] = value;
  }
  return { ...values, files } as TransformFlags;
}

// Flags shared by several subcommands, spelled as kubectl spells them.

import type { Argv } from 'yargs';

/** `-f, --filename <path|->`: a file, a directory (not recursive) or stdin. */
export function withFilename<T>(yargs: Argv<T>, description = 'Input: a manifest file, a directory of manifests (not recursive), a bundle, or - for stdin') {
  return yargs.option('filename', { alias: 'f', type: 'string', description, requiresArg: true });
}

/** `-n, --namespace`: the namespace given to objects that carry none. */
export function withNamespace<T>(yargs: Argv<T>) {
  return yargs.option('namespace', {
    alias: 'n',
    type: 'string',
    default: 'default',
    description: 'Namespace given to namespaced objects that carry none',
    requiresArg: true,
  });
}

/** `--output-file <path|->`: where a file-producing command writes. */
export function withOutputFile<T>(yargs: Argv<T>) {
  return yargs.option('output-file', {
    type: 'string',
    default: '-',
    description: 'Write the result here (- for stdout); a file is written under a temporary name and renamed',
    requiresArg: true,
  });
}

/** `-o, --output <format>` with the formats a command offers; the first is the default unless given. */
export function withOutputFormat<T, const F extends readonly string[]>(yargs: Argv<T>, formats: F, defaultFormat?: F[number]) {
  return yargs.option('output', {
    alias: 'o',
    choices: formats,
    default: defaultFormat,
    description: `Output format: ${formats.join('|')}`,
    requiresArg: true,
  });
}

/** Parses repeatable `old=new` pairs into a map; a malformed pair is reported by name. */
export function parsePairs(flag: string, values: readonly string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const pairs: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    const from = value.slice(0, equals);
    const to = value.slice(equals + 1);
    if (equals <= 0 || to === '') throw new Error(`--${flag} expects old=new, got "${value}"`);
    if (from in pairs && pairs[from] !== to) throw new Error(`--${flag} maps "${from}" twice`);
    pairs[from] = to;
  }
  return pairs;
}

/** The parsed arguments a builder produces, for typing a CommandModule. */
export type ArgsOf<B> = B extends (yargs: Argv) => Argv<infer T> ? T : never;

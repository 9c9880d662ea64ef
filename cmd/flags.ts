// Flags shared by several subcommands, spelled and behaving as kubectl's.

import type { Argv } from 'yargs';
import { UsageError } from '../src/errors.ts';
import { readTemplateFile, type InputFiles } from '../src/io/files/read-input.ts';
import { compileJsonPathTemplate, JsonPathTemplateError } from '../src/io/term/jsonpath.ts';

/** Single-value flags that may still be given more than once, as kubectl's string-slice flags (`-f a -f b`). */
export const REPEATABLE_FLAGS: ReadonlySet<string> = new Set(['filename', 'f']);

/**
 * `-f, --filename <path|->` (repeatable, or comma-separated as kubectl takes it), `-R, --recursive` and `--strict`:
 * manifests from files, directories or stdin, or one bundle. Not a yargs array, which would also swallow `-` and
 * the words after it.
 */
export function withFilename<T>(yargs: Argv<T>, description = 'Input: manifest files, directories of manifests, a bundle (a file or oci://HOST/REPOSITORY:TAG), or - for stdin (repeatable)') {
  return yargs
    .option('filename', { alias: 'f', type: 'string', description, requiresArg: true })
    .option('recursive', { alias: 'R', type: 'boolean', default: false, description: 'Read the directories given with -f and their subdirectories' })
    .option('strict', { type: 'boolean', default: false, description: 'Refuse objects whose KubeVirt or CDI kind or version is unknown (default: warn)' });
}

/** The `-f`, `-R` and `--strict` flags as the use cases take them. */
export function inputFilesOf(argv: { filename?: unknown; recursive: boolean; strict: boolean }): InputFiles & { strict: boolean } {
  const given = argv.filename === undefined ? [] : [argv.filename].flat().map(String);
  return { filenames: given.flatMap((value) => value.split(',')).filter((name) => name !== ''), recursive: argv.recursive, strict: argv.strict };
}

/** `-f <bundle|->` for the commands that read one bundle; given once. */
export function withBundleFilename<T>(yargs: Argv<T>) {
  return yargs.option('filename', { alias: 'f', type: 'string', description: 'The bundle (instead of the argument), or - for stdin', requiresArg: true });
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
    description: 'Write the result here (- for stdout; a bundle also to oci://HOST/REPOSITORY:TAG); a file is written under a temporary name and renamed',
    requiresArg: true,
  });
}

/** The `-o` values each parser offers, for completion (`jsonpath=` without its placeholder). */
const offeredOutputs = new WeakMap<object, readonly string[]>();

/** What `-o` takes on a parser a command's builder has run on. */
export function outputFormatsOf(parser: object): readonly string[] {
  return offeredOutputs.get(parser) ?? [];
}

/** `-o, --output <format>` with the formats a command offers; the first is the default unless given. */
export function withOutputFormat<T, const F extends readonly string[]>(yargs: Argv<T>, formats: F, defaultFormat?: F[number]) {
  offeredOutputs.set(yargs, formats);
  return yargs.option('output', {
    alias: 'o',
    choices: formats,
    default: defaultFormat,
    description: `Output format: ${formats.join('|')}`,
    requiresArg: true,
  });
}

/** A parsed `-o` of a command whose output is a document: one of its formats or a JSONPath template (or file). */
export type DocumentOutput<F extends string> = F | { jsonpath: string } | { jsonpathFile: string };

/**
 * `-o` for commands whose output is a document or objects: their formats (with kubectl's `name` where the output is
 * objects) plus `jsonpath=<template>` and `jsonpath-file=<file>`. A bad template is a usage error before anything
 * runs; a template file is read by `resolveOutput`.
 */
export function withDocumentOutput<T, const F extends string>(yargs: Argv<T>, formats: readonly F[], defaultFormat?: F) {
  const offered = [...formats, 'jsonpath=<template>', 'jsonpath-file=<file>'];
  offeredOutputs.set(yargs, [...formats, 'jsonpath=', 'jsonpath-file=']);
  return yargs.option('output', {
    alias: 'o',
    type: 'string',
    default: defaultFormat,
    description: `Output format: ${offered.join('|')}`,
    requiresArg: true,
    coerce: (value: unknown): DocumentOutput<F> | undefined => {
      if (value === undefined) return undefined;
      if (Array.isArray(value)) throw new UsageError('--output was given more than once; it takes one value');
      const text = String(value);
      if ((formats as readonly string[]).includes(text)) return text as F;
      const equals = text.indexOf('=');
      const type = equals === -1 ? text : text.slice(0, equals);
      const argument = equals === -1 ? '' : text.slice(equals + 1);
      if (type === 'jsonpath' && equals !== -1) {
        checkTemplate(argument);
        return { jsonpath: argument };
      }
      if (type === 'jsonpath-file' && argument !== '') return { jsonpathFile: argument };
      throw new UsageError(`--output "${text}" is not one of ${offered.join(', ')}`);
    },
  });
}

/** A parsed `-o` with a template file read and checked. */
export async function resolveOutput<F extends string>(output: DocumentOutput<F>): Promise<F | { jsonpath: string }> {
  if (typeof output === 'string' || !('jsonpathFile' in output)) return output;
  const template = await readTemplateFile(output.jsonpathFile);
  checkTemplate(template);
  return { jsonpath: template };
}

function checkTemplate(template: string): void {
  try {
    compileJsonPathTemplate(template);
  } catch (error) {
    if (error instanceof JsonPathTemplateError) throw new UsageError(`--output jsonpath: ${error.message}`);
    throw error;
  }
}

/** kubectl's `-v, --v <level>`: 1 for steps and counts, 6 for every request; `--verbose` is `-v=1`. */
export function withVerbosity<T>(yargs: Argv<T>) {
  return yargs
    .option('v', {
      type: 'number',
      description: 'Log level: 1 = steps, retries and request counts; 6 = every API request (as kubectl -v=6)',
      requiresArg: true,
      global: true,
    })
    .option('verbose', { type: 'boolean', description: 'The same as -v=1', global: true })
    .option('progress', {
      choices: ['auto', 'always', 'never'] as const,
      default: 'auto' as const,
      description: 'Progress on stderr: auto = only on a terminal (plain periodic lines with -v otherwise)',
      global: true,
    });
}

/** The log level the user asked for. */
export function verbosityOf(argv: object): number {
  const { v, verbose } = argv as { v?: unknown; verbose?: unknown };
  const level = v ?? 0;
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0) throw new UsageError('-v expects a log level: a whole number ≥ 0');
  return Math.max(level, verbose === true ? 1 : 0);
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

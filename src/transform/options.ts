// The transform options, collected from the rules that declare them: their type, schema, defaults and checks.

import { InputError, InternalError, UsageError } from '../errors.ts';
import type { JsonObject, JsonValue } from '../model/kube-object.ts';
import { compareStrings } from '../model/object-ref.ts';
import type { OptionDeclaration, OptionValues } from './option.ts';
import type { Rule } from './rule.ts';
import { RULES } from './rules/index.ts';
import type { ErrorObject } from 'ajv';
import { describeSchemaErrors, validatorFor } from './schemas.ts';

export type { IdentityMode } from './remap/shared-options.ts';
export { IDENTITY_MODES } from './remap/shared-options.ts';
export type { RunStrategy } from './rules/set-run-strategy.ts';
export { RUN_STRATEGIES } from './rules/set-run-strategy.ts';

type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (intersection: infer I) => void ? I : never;
type DeclaredOptions = UnionToIntersection<NonNullable<(typeof RULES)[number]['options']>>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Options of one transform run, after defaults: what the rules declare. Maps hold their keys sorted. */
export type TransformOptions = Mutable<OptionValues<DeclaredOptions>>;

/** The key of a declared option. */
export type TransformOptionKey = keyof TransformOptions & string;

/** What a caller gives: only the seed is required. */
export type TransformOptionsInput = Partial<TransformOptions> & { seed: string };

/** One declared option with the rules that read it. */
export interface TransformOption {
  readonly key: TransformOptionKey;
  readonly declaration: OptionDeclaration;
  readonly rules: readonly string[];
}

/**
 * Every option the rules declare, in this order: those with a default, the required ones, then the rest, each
 * group in rule order. A key two rules declare must be one shared declaration.
 * @throws InternalError at load time when two declarations share a key.
 */
export function collectOptions(rules: readonly Rule[]): TransformOption[] {
  const byKey = new Map<string, { declaration: OptionDeclaration; rules: string[] }>();
  for (const rule of rules) {
    for (const [key, declaration] of Object.entries(rule.options ?? {})) {
      const seen = byKey.get(key);
      if (seen && seen.declaration !== declaration) {
        throw new InternalError(`rules ${seen.rules.join(', ')} and ${rule.name} declare option ${key} differently`);
      }
      if (seen) seen.rules.push(rule.name);
      else byKey.set(key, { declaration: declaration as OptionDeclaration, rules: [rule.name] });
    }
  }
  const group = (declaration: OptionDeclaration) => (declaration.default !== undefined ? 0 : declaration.required ? 1 : 2);
  return [...byKey]
    .map(([key, entry]) => ({ key: key as TransformOptionKey, ...entry }))
    .sort((a, b) => group(a.declaration) - group(b.declaration));
}

/** The options of the registered rules. */
export const TRANSFORM_OPTIONS: readonly TransformOption[] = Object.freeze(collectOptions(RULES));

/** Defaults of the options that have one. */
export const DEFAULT_TRANSFORM_OPTIONS: Readonly<Partial<TransformOptions>> = Object.freeze(
  Object.fromEntries(TRANSFORM_OPTIONS.flatMap(({ key, declaration }) => (declaration.default === undefined ? [] : [[key, declaration.default]]))),
);

export const TRANSFORM_OPTIONS_SCHEMA_ID = 'kvbackup/transform-options.schema.json';

/**
 * The JSON Schema of resolved options as bundle headers and reports store them (the seed optional: a report
 * gives it at the top level). Checked in as schemas/transform-options.schema.json.
 */
export function transformOptionsSchema(options: readonly TransformOption[] = TRANSFORM_OPTIONS): JsonObject {
  const properties: JsonObject = {};
  const constraints: JsonObject[] = [];
  for (const { key, declaration, rules } of options) {
    const property: JsonObject = { description: `${declaration.flag.description} (--${declaration.flag.name}; ${rules.join(', ')}).`, ...declaration.schema };
    if (declaration.default !== undefined) property['default'] = declaration.default;
    properties[key] = property;
    for (const other of declaration.excludes ?? []) {
      // The properties repeated beside `required`: Ajv's strict mode wants every required name defined there.
      if (key < other) constraints.push({ not: { properties: { [key]: true, [other]: true }, required: [key, other] } });
    }
    const requires = Object.entries(declaration.requires ?? {});
    if (requires.length > 0) {
      const then: JsonObject = Object.fromEntries(requires.map(([other, value]) => [other, { const: value }]));
      constraints.push({ if: { properties: { [key]: true }, required: [key] }, then: { properties: then } });
    }
  }
  const schema: JsonObject = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: TRANSFORM_OPTIONS_SCHEMA_ID,
    title: 'TransformOptions',
    description:
      'The options a transform ran with, after defaults, as the rules that read them declare them (generated by npm run docs from src/transform/rules; do not edit).',
    type: 'object',
    additionalProperties: false,
    required: options.filter(({ declaration }) => declaration.default !== undefined).map(({ key }) => key),
    properties,
  };
  if (constraints.length > 0) schema['allOf'] = constraints;
  return schema;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set(TRANSFORM_OPTIONS.map(({ key }) => key));

/** The option a key names, or undefined. */
export function transformOption(key: string): TransformOption | undefined {
  return TRANSFORM_OPTIONS.find((option) => option.key === key);
}

/**
 * Checks a value read from outside (an option given as a file) against its option's schema and checks.
 * @throws InputError naming `source`; UsageError for an unknown key.
 */
export function checkOptionValue(key: string, value: unknown, source: string): JsonValue {
  const option = transformOption(key);
  if (!option) throw new UsageError(`unknown transform option "${key}"`);
  // Checked as a member of otherwise default options: Ajv resolves the relative `$ref`s only from the whole schema.
  const validate = validatorFor(TRANSFORM_OPTIONS_SCHEMA_ID);
  if (!validate({ ...DEFAULT_TRANSFORM_OPTIONS, [key]: value })) {
    const errors = (validate.errors ?? []).map((error) => ({ ...error, instancePath: error.instancePath.slice(key.length + 1) }));
    throw new InputError(`${source}: not a valid --${option.declaration.flag.name} value`, describeSchemaErrors(errors));
  }
  option.declaration.check?.(value as never, source);
  return value as JsonValue;
}

/** How an option is named in messages: its flag. */
const flagOf = (key: string) => {
  const option = transformOption(key);
  return option ? `--${option.declaration.flag.name}` : key;
};

/**
 * Applies the defaults and checks the options against their declarations; the result has a fixed key order and
 * sorted maps, so it can be written into a report as is.
 * @throws UsageError for a bad option or a bad combination; InputError from an option's own check.
 */
export function resolveTransformOptions(input: TransformOptionsInput): TransformOptions {
  const given = Object.entries(input).filter(([, value]) => value !== undefined);
  for (const [key] of given) if (!KNOWN_KEYS.has(key)) throw new UsageError(`unknown transform option "${key}"`);
  const values = new Map<string, JsonValue>(given as [string, JsonValue][]);

  const resolved: Record<string, JsonValue> = {};
  for (const { key, declaration } of TRANSFORM_OPTIONS) {
    const value = values.get(key) ?? declaration.default;
    if (value !== undefined) resolved[key] = sortedKeys(value);
    else if (declaration.required) throw new UsageError(`transform option ${key} (${flagOf(key)}) is required`);
  }
  const validate = validatorFor(TRANSFORM_OPTIONS_SCHEMA_ID);
  if (!validate(resolved)) {
    throw new UsageError(`bad transform options: ${combinationProblem(resolved) ?? describeOptionErrors(validate.errors ?? [], resolved)}`);
  }
  for (const { key, declaration } of TRANSFORM_OPTIONS) {
    if (resolved[key] !== undefined) declaration.check?.(resolved[key] as never, `the ${flagOf(key)} value`);
  }
  return resolved as TransformOptions;
}

/** Schema errors said by flag, with the allowed values and the value given: `--mac: must be one of remap, clear, keep, not "x"`. */
function describeOptionErrors(errors: readonly ErrorObject[], resolved: Record<string, JsonValue>): string {
  const lines = errors.map((error) => {
    const key = error.instancePath.split('/')[1] ?? '';
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
    const what = allowed ? `must be one of ${allowed.join(', ')}` : (error.message ?? error.keyword);
    const where = error.instancePath.slice(key.length + 1);
    return `${flagOf(key)}${where}: ${what}, not ${JSON.stringify(resolved[key])}`;
  });
  return [...new Set(lines)].join('; ');
}

/** The first excluded pair or unmet requirement, said in flags, rather than the schema's `not`/`if` wording. */
function combinationProblem(resolved: Record<string, JsonValue>): string | undefined {
  for (const { key, declaration } of TRANSFORM_OPTIONS) {
    if (resolved[key] === undefined) continue;
    for (const other of declaration.excludes ?? []) {
      if (resolved[other] !== undefined) return `${flagOf(key)} and ${flagOf(other)} cannot be combined`;
    }
    for (const [other, value] of Object.entries(declaration.requires ?? {})) {
      if (resolved[other] !== value) return `${flagOf(key)} needs ${flagOf(other)} ${JSON.stringify(value)}, not ${JSON.stringify(resolved[other])}`;
    }
  }
  return undefined;
}

/** A copy with the keys of every object sorted, so stored options do not depend on the order they were given in. */
function sortedKeys(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortedKeys);
  const sorted: JsonObject = {};
  for (const key of Object.keys(value).sort(compareStrings)) sorted[key] = sortedKeys(value[key]!);
  return sorted;
}

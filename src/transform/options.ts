// The transform options resolved and checked against the declarations the rules make (src/transform/option-registry.ts).

import { InputError, UsageError } from '../errors.ts';
import type { JsonObject, JsonValue } from '../model/kube-object.ts';
import { compareStrings } from '../model/object-ref.ts';
import {
  DEFAULT_TRANSFORM_OPTIONS,
  TRANSFORM_OPTIONS,
  TRANSFORM_OPTIONS_SCHEMA_ID,
  transformOption,
  type TransformOptions,
  type TransformOptionsInput,
} from './option-registry.ts';
import type { ErrorObject } from 'ajv';
import { formatSchemaErrors, validatorFor } from '../schemas.ts';

export * from './option-registry.ts';
export type { IdentityMode } from './remap/shared-options.ts';
export { IDENTITY_MODES } from './remap/shared-options.ts';
export type { RunStrategy } from './rules/set-run-strategy.ts';
export { RUN_STRATEGIES } from './rules/set-run-strategy.ts';

const KNOWN_KEYS: ReadonlySet<string> = new Set(TRANSFORM_OPTIONS.map(({ key }) => key));

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
    throw new InputError(`${source}: not a valid --${option.declaration.flag.name} value`, formatSchemaErrors(errors));
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

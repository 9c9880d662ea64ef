// One Ajv registry for every JSON Schema in schemas/: each compiled once, on first use, with one error formatter.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import exportRecordSchema from '../schemas/export-record.v1alpha1.schema.json' with { type: 'json' };
import exportRecordV2Schema from '../schemas/export-record.v1alpha2.schema.json' with { type: 'json' };
import graphSchema from '../schemas/graph.v1alpha1.schema.json' with { type: 'json' };
import headerSchema from '../schemas/header.v1alpha1.schema.json' with { type: 'json' };
import headerV2Schema from '../schemas/header.v1alpha2.schema.json' with { type: 'json' };
import inspectSchema from '../schemas/inspect.v1alpha1.schema.json' with { type: 'json' };
import macMapSchema from '../schemas/mac-map.v1alpha1.schema.json' with { type: 'json' };
import objectManifestSchema from '../schemas/object-manifest.v1alpha1.schema.json' with { type: 'json' };
import reportSchema from '../schemas/report.v1alpha1.schema.json' with { type: 'json' };
import trailerSchema from '../schemas/trailer.v1alpha1.schema.json' with { type: 'json' };
import trailerV2Schema from '../schemas/trailer.v1alpha2.schema.json' with { type: 'json' };
import volumeIndexSchema from '../schemas/volume-index.v1alpha2.schema.json' with { type: 'json' };
import { InternalError } from './errors.ts';

/** Every schema, by the name used in messages (its file name without `.schema.json`). */
export const SCHEMAS = {
  'header.v1alpha1': headerSchema,
  'header.v1alpha2': headerV2Schema,
  'graph.v1alpha1': graphSchema,
  'object-manifest.v1alpha1': objectManifestSchema,
  'export-record.v1alpha1': exportRecordSchema,
  'export-record.v1alpha2': exportRecordV2Schema,
  'trailer.v1alpha1': trailerSchema,
  'trailer.v1alpha2': trailerV2Schema,
  'volume-index.v1alpha2': volumeIndexSchema,
  'inspect.v1alpha1': inspectSchema,
  'mac-map.v1alpha1': macMapSchema,
  'report.v1alpha1': reportSchema,
} as const;

export type SchemaName = keyof typeof SCHEMAS;

/** Every schema name, for tests that check each one compiles. */
export const SCHEMA_NAMES = Object.keys(SCHEMAS) as SchemaName[];

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/**
 * The validator for a schema: by name (`header.v1alpha2`), by `$id`, or for a part of one (`<$id>#/definitions/x`).
 * Every schema is registered under its `$id`, so they `$ref` each other; each is compiled once, on first use, and
 * only the schemas a command uses are compiled at all.
 */
export function validatorFor(ref: SchemaName | string): ValidateFunction {
  let validate = compiled.get(ref);
  if (!validate) {
    ajv ??= new Ajv({ allErrors: true, strict: true, schemas: Object.values(SCHEMAS) });
    const id = ref in SCHEMAS ? SCHEMAS[ref as SchemaName].$id : ref;
    validate = id.includes('#') ? ajv.compile({ $ref: id }) : ajv.getSchema(id);
    if (!validate) throw new InternalError(`no schema ${ref}`);
    compiled.set(ref, validate);
  }
  return validate;
}

/** Why `value` does not match schema `ref`: one line per error (`/metadata/name must be string`); empty when valid. */
export function schemaErrors(ref: SchemaName | string, value: unknown): string[] {
  const validate = validatorFor(ref);
  if (validate(value)) return [];
  return formatSchemaErrors(validate.errors);
}

/** Ajv errors as one line each: where (`(root)` or a JSON pointer), what, and the offending or allowed values. */
export function formatSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(formatError);
}

function formatError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  const detail =
    typeof params.additionalProperty === 'string'
      ? ` (${params.additionalProperty})`
      : Array.isArray(params.allowedValues)
        ? ` (${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
        : params.allowedValue !== undefined
          ? ` (${JSON.stringify(params.allowedValue)})`
          : '';
  return `${where} ${error.message ?? 'is invalid'}${detail}`;
}

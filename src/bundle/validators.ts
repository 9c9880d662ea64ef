// Ajv validators for every JSON document in a bundle: each schema compiled once, on first use, then cached.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import exportRecordSchema from '../../schemas/export-record.v1alpha1.schema.json' with { type: 'json' };
import exportRecordV2Schema from '../../schemas/export-record.v1alpha2.schema.json' with { type: 'json' };
import graphSchema from '../../schemas/graph.v1alpha1.schema.json' with { type: 'json' };
import headerSchema from '../../schemas/header.v1alpha1.schema.json' with { type: 'json' };
import headerV2Schema from '../../schemas/header.v1alpha2.schema.json' with { type: 'json' };
import inspectSchema from '../../schemas/inspect.v1alpha1.schema.json' with { type: 'json' };
import objectManifestSchema from '../../schemas/object-manifest.v1alpha1.schema.json' with { type: 'json' };
import trailerSchema from '../../schemas/trailer.v1alpha1.schema.json' with { type: 'json' };
import trailerV2Schema from '../../schemas/trailer.v1alpha2.schema.json' with { type: 'json' };
import volumeIndexSchema from '../../schemas/volume-index.v1alpha2.schema.json' with { type: 'json' };

/** The schema of each document kind, by the name used in messages. */
const SCHEMAS = {
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
} as const;

export type SchemaName = keyof typeof SCHEMAS;

/** Every schema name, for tests that check each one compiles. */
export const SCHEMA_NAMES = Object.keys(SCHEMAS) as SchemaName[];

let ajv: Ajv | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

function validatorFor(name: SchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    ajv ??= new Ajv({ allErrors: true, strict: true });
    validate = ajv.compile(SCHEMAS[name]);
    compiled.set(name, validate);
  }
  return validate;
}

/** Why `value` does not match schema `name`: one line per error (`/metadata/name must be string`); empty when valid. */
export function schemaErrors(name: SchemaName, value: unknown): string[] {
  const validate = validatorFor(name);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(formatError);
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

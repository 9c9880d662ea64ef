// The transform's JSON Schemas (report, MAC map, options), compiled once by one Ajv instance.

import { InternalError } from '../errors.ts';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import macMapSchema from '../../schemas/mac-map.v1alpha1.schema.json' with { type: 'json' };
import reportSchema from '../../schemas/report.v1alpha1.schema.json' with { type: 'json' };
import transformOptionsSchema from '../../schemas/transform-options.schema.json' with { type: 'json' };

export { macMapSchema, reportSchema };

/** `$id`s of the schemas, for `$ref`s from other schemas. */
export const REPORT_SCHEMA_ID = reportSchema.$id;
export const MAC_MAP_SCHEMA_ID = macMapSchema.$id;

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** The validator for a schema `$id`, or a `$id#/definitions/x` reference; compiled on first use. */
export function validatorFor(ref: string): ValidateFunction {
  let validate = validators.get(ref);
  if (!validate) {
    ajv ??= new Ajv({ allErrors: true, strict: true, schemas: [macMapSchema, reportSchema, transformOptionsSchema] });
    validate = ref.includes('#') ? ajv.compile({ $ref: ref }) : ajv.getSchema(ref);
    if (!validate) throw new InternalError(`no schema ${ref}`);
    validators.set(ref, validate);
  }
  return validate;
}

/** Ajv errors as short lines: `/changes/0/path: must match pattern …`. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? error.keyword}`);
}

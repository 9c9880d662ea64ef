// The transform's JSON Schemas (report, MAC map), through the project's one Ajv registry.

import type { ErrorObject } from 'ajv';
import macMapSchema from '../../schemas/mac-map.v1alpha1.schema.json' with { type: 'json' };
import reportSchema from '../../schemas/report.v1alpha1.schema.json' with { type: 'json' };
import { formatSchemaErrors } from '../schemas.ts';

export { macMapSchema, reportSchema };

/** `$id`s of the schemas, for `$ref`s from other schemas. */
export const REPORT_SCHEMA_ID = reportSchema.$id;
export const MAC_MAP_SCHEMA_ID = macMapSchema.$id;

/** The validator for a schema `$id`, or a `$id#/definitions/x` reference; compiled on first use. */
export { validatorFor } from '../schemas.ts';

/** Ajv errors as one line each, formatted as every schema error is (`/changes/0/path must match pattern …`). */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return formatSchemaErrors(errors);
}

// The bundle's documents are checked against their JSON Schemas through the project's one Ajv registry.

export { SCHEMA_NAMES, schemaErrors, type SchemaName } from '../schemas.ts';

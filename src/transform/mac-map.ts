// The MAC map file (schemas/mac-map.v1alpha1.schema.json): a plain old → new object, checked beyond the schema.

import { InputError } from '../errors.ts';
import { normalisedMacMap } from './remap/mac-pairs.ts';
import { schemaErrors } from '../schemas.ts';

/**
 * Checks a parsed MAC map document (YAML or JSON, already parsed) and returns it unchanged: an object of
 * MAC → unicast MAC, where no old address is listed twice with different new ones (spellings compared
 * case- and separator-insensitively) and no two old addresses share a new one.
 * @param source names the file in messages.
 * @throws InputError naming `source`.
 */
export function validateMacMap(document: unknown, source: string): Record<string, string> {
  const errors = schemaErrors('mac-map.v1alpha1', document);
  if (errors.length > 0) throw new InputError(`${source}: not a valid MAC map`, errors);
  const map = document as Record<string, string>;
  normalisedMacMap(map, source);
  return map;
}

export { normalisedMacMap };

// The MAC map file (schemas/mac-map.v1alpha1.schema.json): a plain old → new object, checked beyond the schema.

import { InputError } from '../errors.ts';
import { formatMac, normaliseMac } from './remap/mac.ts';
import { describeSchemaErrors, MAC_MAP_SCHEMA_ID, validatorFor } from './schemas.ts';

/**
 * Checks a parsed MAC map document (YAML or JSON, already parsed) and returns it unchanged: an object of
 * MAC → unicast MAC, where no old address is listed twice with different new ones (spellings compared
 * case- and separator-insensitively) and no two old addresses share a new one.
 * @param source names the file in messages.
 * @throws InputError naming `source`.
 */
export function validateMacMap(document: unknown, source: string): Record<string, string> {
  const validate = validatorFor(MAC_MAP_SCHEMA_ID);
  if (!validate(document)) {
    throw new InputError(`${source}: not a valid MAC map`, describeSchemaErrors(validate.errors));
  }
  const map = document as Record<string, string>;
  normalisedMacMap(map, source);
  return map;
}

/**
 * The map with both sides normalised (12 lower-case hex digits).
 * @throws InputError on an ambiguous or colliding pair.
 */
export function normalisedMacMap(map: Readonly<Record<string, string>>, source = 'the MAC map'): Map<string, string> {
  const byOld = new Map<string, string>();
  const oldByNew = new Map<string, string>();
  for (const [oldSpelling, newSpelling] of Object.entries(map)) {
    const old = normaliseMac(oldSpelling);
    const value = normaliseMac(newSpelling);
    if (old === undefined || value === undefined) {
      throw new InputError(`${source}: "${oldSpelling}: ${newSpelling}" is not a pair of MAC addresses`);
    }
    const previous = byOld.get(old);
    if (previous !== undefined && previous !== value) {
      throw new InputError(`${source}: ${formatMac(old)} is mapped twice, to ${formatMac(previous)} and to ${formatMac(value)}`);
    }
    const otherOld = oldByNew.get(value);
    if (otherOld !== undefined && otherOld !== old) {
      throw new InputError(`${source}: ${formatMac(otherOld)} and ${formatMac(old)} both map to ${formatMac(value)}`);
    }
    byOld.set(old, value);
    oldByNew.set(value, old);
  }
  return byOld;
}

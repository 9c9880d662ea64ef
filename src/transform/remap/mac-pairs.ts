// Old → new MAC pairs normalised and checked for ambiguity and collisions (no schema: MAC map files are checked by mac-map.ts).

import { InputError } from '../../errors.ts';
import { formatMac, normaliseMac } from './mac.ts';

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

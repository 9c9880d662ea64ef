// The shared remap loop: one new value per distinct old value, unique and different from every old one.

import { InputError } from '../../errors.ts';
import { compareStrings } from '../../model/object-ref.ts';
import { MAX_ATTEMPTS } from './derive.ts';

export interface RemapPlan {
  /** Normalised old values, in any order, duplicates allowed. */
  olds: Iterable<string>;
  /** Pairs fixed in advance (normalised old → new); their new values are reserved. */
  explicit?: ReadonlyMap<string, string>;
  /** A candidate for `old` on the given attempt, or undefined when `old` cannot be remapped at all. */
  candidate(old: string, attempt: number): string | undefined;
  /** What the values are, for the error message: `MAC address`, `firmware serial`. */
  what: string;
}

/**
 * Assigns every distinct old value a new one. Old values are visited in sorted (code-unit) order, so the result
 * does not depend on input order; a candidate already taken (an old value, an explicit new value or an earlier
 * assignment) is rejected and the next attempt tried. Old values without a possible candidate are left out.
 * @throws InputError when no free candidate is found within the attempt budget.
 */
export function assignNewValues(plan: RemapPlan): Map<string, string> {
  const olds = [...new Set(plan.olds)].sort(compareStrings);
  const taken = new Set(olds);
  const assigned = new Map<string, string>();
  for (const [old, value] of plan.explicit ?? []) {
    assigned.set(old, value);
    taken.add(value);
  }
  for (const old of olds) {
    if (assigned.has(old)) continue;
    for (let attempt = 0; ; attempt++) {
      if (attempt === MAX_ATTEMPTS) {
        throw new InputError(`cannot find an unused new ${plan.what} for "${old}" after ${MAX_ATTEMPTS} attempts`);
      }
      const candidate = plan.candidate(old, attempt);
      if (candidate === undefined) break;
      if (taken.has(candidate)) continue;
      taken.add(candidate);
      assigned.set(old, candidate);
      break;
    }
  }
  return assigned;
}

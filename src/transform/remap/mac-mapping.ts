// The old → new mapping of every interface MAC of the input, shared by the rules that rewrite MAC addresses.

import { VMI_SPEC_KINDS } from '../../model/kinds.ts';
import type { ObjectIndex } from '../../model/object-index.ts';
import { normalisedMacMap } from './mac-pairs.ts';
import { macAddressesOf } from '../vm-specs.ts';
import { assignNewValues } from './assign.ts';
import { candidateMac, normaliseMac } from './mac.ts';

/** Mappings already computed for an input, by seed and MAC map: the rules of one run share one computation. */
const computed = new WeakMap<ObjectIndex, Map<string, ReadonlyMap<string, string>>>();

/**
 * Normalised old → normalised new, for every MAC of the interfaces of the input's VMs, VMIs, replica sets and
 * pools. It covers the whole input at once, so it is the same wherever an address appears and does not depend on
 * input order (docs/remap-algorithm.md); every rule that computes it gets the same mapping.
 */
export function interfaceMacMapping(
  index: ObjectIndex,
  options: { readonly seed: string; readonly macMap?: Readonly<Record<string, string>> | undefined },
): ReadonlyMap<string, string> {
  const key = JSON.stringify([options.seed, options.macMap ?? null]);
  let byOptions = computed.get(index);
  if (!byOptions) computed.set(index, (byOptions = new Map()));
  let mapping = byOptions.get(key);
  if (!mapping) byOptions.set(key, (mapping = computeMapping(index, options)));
  return mapping;
}

function computeMapping(
  index: ObjectIndex,
  options: { readonly seed: string; readonly macMap?: Readonly<Record<string, string>> | undefined },
): Map<string, string> {
  const olds: string[] = [];
  for (const kind of VMI_SPEC_KINDS) {
    for (const object of index.ofKind(kind.group, kind.kind)) {
      for (const { value } of macAddressesOf(object)) {
        const old = normaliseMac(value);
        if (old !== undefined) olds.push(old);
      }
    }
  }
  return assignNewValues({
    olds,
    explicit: options.macMap ? normalisedMacMap(options.macMap) : undefined,
    candidate: (old, attempt) => candidateMac(options.seed, old, attempt),
    what: 'MAC address',
  });
}

// The machine identities (MACs, firmware serials and UUIDs) a set of objects would create, for collision checks.

import type { KubeObject } from '../model/kube-object.ts';
import { compareRefs, compareStrings, refOf, type ObjectRef } from '../model/object-ref.ts';
import { formatMac, normaliseMac } from './remap/mac.ts';
import { normaliseUuid } from './remap/uuid.ts';
import { firmwareIdOf, macAddressesOf, type FoundValue } from './vm-specs.ts';
import { isKind, VMI_SPEC_KINDS } from '../model/kinds.ts';

/** One identity value, where it is set. */
export interface IdentityUse {
  /** Normalised: MACs as `aa:bb:cc:dd:ee:ff`, UUIDs in lower case, serials as they are. */
  value: string;
  object: ObjectRef;
  /** JSON Pointer of the field. */
  path: string;
}

export interface Identities {
  macs: IdentityUse[];
  serials: IdentityUse[];
  uuids: IdentityUse[];
}

function compareUses(a: IdentityUse, b: IdentityUse): number {
  return compareStrings(a.value, b.value) || compareRefs(a.object, b.object) || compareStrings(a.path, b.path);
}

function use(found: FoundValue | undefined, normalise: (value: unknown) => string | undefined, object: ObjectRef): IdentityUse[] {
  const value = found === undefined ? undefined : normalise(found.value);
  return value === undefined ? [] : [{ value, object, path: found!.path }];
}

const macValue = (value: unknown) => {
  const normalised = normaliseMac(value);
  return normalised === undefined ? undefined : formatMac(normalised);
};
const serialValue = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Lists the MAC addresses, firmware serials and firmware UUIDs that VMs, VMIs, replica sets and pools among
 * `objects` set explicitly, sorted by value, then object and path. Values that are not valid MACs or UUIDs are
 * left out (KubeVirt would refuse them anyway).
 */
export function identitiesOf(objects: Iterable<KubeObject>): Identities {
  const identities: Identities = { macs: [], serials: [], uuids: [] };
  for (const object of objects) {
    if (!VMI_SPEC_KINDS.some((kind) => isKind(object, kind))) continue;
    const ref = refOf(object);
    for (const found of macAddressesOf(object)) identities.macs.push(...use(found, macValue, ref));
    identities.serials.push(...use(firmwareIdOf(object, 'serial'), serialValue, ref));
    identities.uuids.push(...use(firmwareIdOf(object, 'uuid'), normaliseUuid, ref));
  }
  identities.macs.sort(compareUses);
  identities.serials.sort(compareUses);
  identities.uuids.sort(compareUses);
  return identities;
}

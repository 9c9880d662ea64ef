// The pre-flight identity check: MAC addresses, firmware serials and UUIDs the restore would create that live VMs already use.

import type { KubeObject } from '../model/kube-object.ts';
import { compareRefs, compareStrings, refKey, refOf, type ObjectRef } from '../model/object-ref.ts';
import { identitiesOf, type IdentityUse } from '../transform/index.ts';

export type IdentityKind = 'MAC address' | 'firmware serial' | 'firmware UUID';

/** One value both the restore and a live object use. */
export interface Collision {
  identity: IdentityKind;
  value: string;
  /** The restored object that would set it. */
  restoring: ObjectRef;
  /** The live object that already has it. */
  live: ObjectRef;
  livePath: string;
}

const OWNER_KINDS = new Set(['VirtualMachine', 'VirtualMachineInstanceReplicaSet', 'VirtualMachinePool']);

/**
 * The live objects that are not collisions because restore itself made (or will replace) them: the same object
 * (a re-run), and VMIs or VMs a restored VM, replica set or pool controls.
 */
function ownLive(restoring: readonly KubeObject[], live: readonly KubeObject[]): Set<string> {
  const keys = new Set(restoring.map((object) => refKey(refOf(object))));
  const owners = new Set(
    restoring.filter((object) => OWNER_KINDS.has(object.kind)).map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`),
  );
  const own = new Set<string>();
  for (const object of live) {
    const ref = refOf(object);
    const key = refKey(ref);
    if (keys.has(key)) own.add(key);
    for (const owner of object.metadata.ownerReferences ?? []) {
      if (owner.controller && owners.has(`${owner.kind}/${ref.namespace}/${owner.name}`)) own.add(key);
    }
  }
  return own;
}

/**
 * Every identity value of `restoring` that a live VM, VMI, replica set or pool other than the restore's own already
 * uses, sorted by identity kind, value, restored object, live object. Empty means the restore is safe to run.
 */
export function findCollisions(restoring: readonly KubeObject[], live: readonly KubeObject[]): Collision[] {
  const own = ownLive(restoring, live);
  const wanted = identitiesOf(restoring);
  const existing = identitiesOf(live.filter((object) => !own.has(refKey(refOf(object)))));
  const collisions: Collision[] = [
    ...match('MAC address', wanted.macs, existing.macs),
    ...match('firmware serial', wanted.serials, existing.serials),
    ...match('firmware UUID', wanted.uuids, existing.uuids),
  ];
  return collisions;
}

function match(identity: IdentityKind, wanted: IdentityUse[], existing: IdentityUse[]): Collision[] {
  const byValue = new Map<string, IdentityUse[]>();
  for (const use of existing) byValue.set(use.value, [...(byValue.get(use.value) ?? []), use]);
  const found: Collision[] = [];
  for (const use of wanted) {
    for (const other of byValue.get(use.value) ?? []) {
      found.push({ identity, value: use.value, restoring: use.object, live: other.object, livePath: other.path });
    }
  }
  return found.sort((a, b) => compareStrings(a.value, b.value) || compareRefs(a.restoring, b.restoring) || compareRefs(a.live, b.live));
}

/** One line per collision: `MAC address 02:…: VirtualMachine.kubevirt.io ns/vm (restoring) is used by … at /path`. */
export function describeCollisions(collisions: readonly Collision[], describe: (ref: ObjectRef) => string): string[] {
  return collisions.map(
    (collision) => `${collision.identity} ${collision.value}: wanted by ${describe(collision.restoring)}, already used by ${describe(collision.live)} (${collision.livePath})`,
  );
}

// Owner references read by the drop and annotate rules.

import { groupOf, type KubeObject, type OwnerReference } from '../model/kube-object.ts';
import { type GroupKind } from '../model/kinds.ts';

/** The object's owner references of the given kind (apiVersion compared by group only, any version). */
export function ownersOfKind(object: KubeObject, kind: GroupKind): OwnerReference[] {
  const owners = object.metadata.ownerReferences;
  if (!Array.isArray(owners)) return [];
  return owners.filter(
    (owner) => owner?.kind === kind.kind && typeof owner.apiVersion === 'string' && groupOf(owner.apiVersion) === kind.group,
  );
}

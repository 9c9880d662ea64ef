// Small constructors and checks the edge families share, so each family reads as its field paths.

import { isClusterScoped, type GroupKind } from '../model/kinds.ts';
import type { ObjectRef } from '../model/object-ref.ts';
import type { EdgeTarget } from './edge-family.ts';

/** The ref of `kind` named `name`; cluster-scoped kinds get the namespace "" whatever `namespace` says. */
export function refTo(kind: GroupKind, namespace: string, name: string): ObjectRef {
  return {
    group: kind.group,
    kind: kind.kind,
    namespace: isClusterScoped(kind.group, kind.kind) ? '' : namespace,
    name,
  };
}

/** An edge to `kind` `namespace/name`. */
export function edgeTo(kind: GroupKind, namespace: string, name: string, reason: string, optional = false): EdgeTarget {
  return { to: refTo(kind, namespace, name), reason, optional };
}

/** A non-empty string, or undefined: the guard every name read from a spec goes through. */
export function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

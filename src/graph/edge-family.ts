// The shape of an edge family: the kinds it reads and the pure function that lists what one object needs.

import { InternalError } from '../errors.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { ObjectIndex } from '../model/object-index.ts';
import type { ObjectRef } from '../model/object-ref.ts';
import type { GroupKind } from '../model/kinds.ts';

/** One thing an object needs: the target, the field path or label rule that names it, and whether it may be absent. */
export interface EdgeTarget {
  to: ObjectRef;
  /**
   * The field path (`spec.template.spec.volumes[0].persistentVolumeClaim.claimName`) or the rule
   * (`label kubevirt.io/created-by=<uid>`) that names the target.
   */
  reason: string;
  /** True when the target may legitimately be absent (the rules: recreated by a controller, or external). */
  optional: boolean;
}

/** What a family may read besides the object itself. */
export interface EdgeContext {
  /** Every input object, for label, owner and name lookups. */
  readonly index: ObjectIndex;
  /** The object's own ref, with the default namespace already applied. */
  readonly ref: ObjectRef;
}

/** A family of edges: one file under src/graph/edges/, one test beside it. */
export interface EdgeFamily {
  /** Kebab-case, equal to the file's basename. */
  readonly name: string;
  /** One sentence saying what the family links and, when not obvious, why its edges are optional. */
  readonly description: string;
  /** The kinds whose objects `edges` is called for. */
  readonly fromKinds: readonly GroupKind[];
  /** Pure: reads `object` and `context`, never changes them, and returns the same edges for the same input. */
  edges(object: KubeObject, context: EdgeContext): EdgeTarget[];
}

const KEBAB_CASE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Checks a family's metadata and freezes it. @throws InternalError for a malformed family (a bug). */
export function defineEdgeFamily(family: EdgeFamily): EdgeFamily {
  if (!KEBAB_CASE.test(family.name)) throw new InternalError(`edge family name "${family.name}" is not kebab-case`);
  if (family.fromKinds.length === 0) throw new InternalError(`edge family ${family.name} reads no kinds`);
  if (family.description.trim() === '') throw new InternalError(`edge family ${family.name} has no description`);
  return Object.freeze({ ...family, fromKinds: Object.freeze([...family.fromKinds]) });
}

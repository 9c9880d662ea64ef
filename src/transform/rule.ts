// The shape of a transform rule: metadata plus `create`, which returns a pure function from one object to its changes.

import type { JsonValue, KubeObject } from '../model/kube-object.ts';
import type { ObjectIndex } from '../model/object-index.ts';
import type { ObjectRef } from '../model/object-ref.ts';
import type { GroupKind } from '../model/kinds.ts';
import type { TransformOptions } from './options.ts';

/**
 * One change to one object, at a JSON Pointer. `add` creates a member that is absent (creating missing parent
 * objects, unlike RFC 6902), `replace` and `remove` need it present. Array elements may be replaced, never added
 * or removed, so indexes stay valid whatever order the ops are applied in.
 */
export type Op =
  | { op: 'add'; path: string; new: JsonValue }
  | { op: 'replace'; path: string; old: JsonValue; new: JsonValue }
  | { op: 'remove'; path: string; old: JsonValue };

/** What a rule says about one object: drop it (with the reason), change it (ops and warnings), or nothing. */
export type RuleResult = { drop: string } | { ops: Op[]; warnings?: string[] } | undefined;

/** Pure: reads the original object (never changed by other rules), returns a description of the changes. */
export type RuleFunction = (object: KubeObject, ref: ObjectRef) => RuleResult;

/** What `create` gets: the whole input and the options, both read-only. */
export interface RuleContext {
  readonly index: ObjectIndex;
  readonly options: Readonly<TransformOptions>;
}

export interface Rule {
  /** Kebab-case, verb first, equal to the file's basename. */
  readonly name: string;
  /** One sentence starting with a verb. */
  readonly description: string;
  /** The kinds the rule looks at; absent means every kind. */
  readonly kinds?: readonly GroupKind[];
  /** Runs once per transform run (precompute shared state here) and returns the per-object function. */
  create(context: RuleContext): RuleFunction;
}

/** Declares a rule; the result is frozen. */
export function defineRule(rule: Rule): Rule {
  if (rule.kinds) Object.freeze(rule.kinds);
  return Object.freeze(rule);
}

/** The function of a rule that does nothing this run (its option is off). */
export const NO_CHANGES: RuleFunction = () => undefined;

/** The result for a list of ops and warnings: undefined when both are empty. */
export function changes(ops: Op[], warnings: string[] = []): RuleResult {
  if (ops.length === 0 && warnings.length === 0) return undefined;
  return warnings.length === 0 ? { ops } : { ops, warnings };
}

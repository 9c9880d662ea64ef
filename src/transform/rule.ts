// The shape of a transform rule: metadata plus `create`, which returns a pure function from one object to its changes.

import type { JsonValue, KubeObject } from '../model/kube-object.ts';
import type { ObjectIndex } from '../model/object-index.ts';
import type { ObjectRef } from '../model/object-ref.ts';
import type { GroupKind } from '../model/kinds.ts';
import type { OptionDeclarations, OptionValues } from './option.ts';

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

/** What `create` gets: the whole input and the values of the options the rule declares, both read-only. */
export interface RuleContext<O extends OptionDeclarations = OptionDeclarations> {
  readonly index: ObjectIndex;
  readonly options: OptionValues<O>;
}

/** What a rule without options declares. */
type NoOptions = Record<never, never>;

export interface Rule<O extends OptionDeclarations = OptionDeclarations> {
  /** Kebab-case, verb first, equal to the file's basename. */
  readonly name: string;
  /** One sentence starting with a verb. */
  readonly description: string;
  /** The kinds the rule looks at; absent means every kind. */
  readonly kinds?: readonly GroupKind[];
  /**
   * The options the rule reads, by key: schema, default, flag. The command-line flags, the options schema
   * (schemas/transform-options.schema.json) and restore's checks are derived from these declarations. An option
   * two rules read is one shared declaration, listed by both.
   */
  readonly options?: O;
  /** Runs once per transform run (precompute shared state here) and returns the per-object function. */
  create(context: RuleContext<O>): RuleFunction;
}

/** Declares a rule; the result is frozen. */
export function defineRule<O extends OptionDeclarations = NoOptions>(rule: Rule<O>): Rule<O> {
  if (rule.kinds) Object.freeze(rule.kinds);
  if (rule.options) Object.freeze(rule.options);
  return Object.freeze(rule);
}

/** The function of a rule that does nothing this run (its option is off). */
export const NO_CHANGES: RuleFunction = () => undefined;

/** The result for a list of ops and warnings: undefined when both are empty. */
export function changes(ops: Op[], warnings: string[] = []): RuleResult {
  if (ops.length === 0 && warnings.length === 0) return undefined;
  return warnings.length === 0 ? { ops } : { ops, warnings };
}

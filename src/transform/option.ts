// The shape of a transform option as the rule that uses it declares it (as ESLint rules declare theirs in `meta`).

import type { JsonObject, JsonValue } from '../model/kube-object.ts';

/** How the command line spells an option's value. */
export type FlagArgument =
  /** One value; a schema `enum` gives the choices. */
  | 'value'
  /** Repeatable `old=new` pairs, giving an object. */
  | 'pairs'
  /** The name of a YAML or JSON file holding the value (one document). */
  | 'file';

/** The command-line flag of an option, shared by `transform` and `restore`. */
export interface OptionFlag {
  /** Kebab-case, without the dashes. */
  readonly name: string;
  readonly argument: FlagArgument;
  /** The flag's help line (also the schema's description of the option). */
  readonly description: string;
  /** The README's cell for the flag, when it says more than the help line. */
  readonly documentation?: string;
}

/** One option: its JSON Schema, its default, its flag, and what it means for a bundle that was already transformed. */
export interface OptionDeclaration<T extends JsonValue = JsonValue> {
  /** The JSON Schema of the value (draft-07, no `$id`; `$ref`s name sibling files in schemas/). */
  readonly schema: JsonObject;
  /** The value when none is given; a resolved option set always holds it. */
  readonly default?: T;
  /** Always given by the caller (no default, never absent once resolved). */
  readonly required?: boolean;
  readonly flag: OptionFlag;
  /**
   * Whether a value changes the output. Restore refuses such a flag for a bundle that was already transformed:
   * applying it again would give other identities than the transform run that was reviewed.
   */
  readonly rewrites: boolean;
  /** Options that cannot be combined with this one. */
  readonly excludes?: readonly string[];
  /** Values other options must have when this one is given (absent ones take their defaults). */
  readonly requires?: Readonly<Record<string, JsonValue>>;
  /**
   * Checks beyond the schema, on a value the schema accepted.
   * @param source names the value in messages (the flag's file, or the option).
   * @throws InputError naming `source`.
   */
  check?(value: T, source: string): void;
}

/** The options a rule declares, by option key (the property name in the transform options). */
export type OptionDeclarations = { readonly [key: string]: OptionDeclaration<never> | OptionDeclaration };

type ValueOf<D> = D extends OptionDeclaration<infer T> ? T : never;
type Present<O> = { [K in keyof O]: O[K] extends { readonly default: JsonValue } | { readonly required: true } ? K : never }[keyof O];

/** The values of declared options once resolved: those with a default (or required) always present, the rest optional. */
export type OptionValues<O> = { readonly [K in Present<O>]: ValueOf<O[K]> } & { readonly [K in Exclude<keyof O, Present<O>>]?: ValueOf<O[K]> };

/** Declares an option; the result is frozen. The overloads keep `default` and `required` in the type. */
export function defineOption<T extends JsonValue>(option: OptionDeclaration<T> & { default: T }): OptionDeclaration<T> & { readonly default: T };
export function defineOption<T extends JsonValue>(option: OptionDeclaration<T> & { required: true }): OptionDeclaration<T> & { readonly required: true };
export function defineOption<T extends JsonValue>(option: OptionDeclaration<T>): OptionDeclaration<T>;
export function defineOption<T extends JsonValue>(option: OptionDeclaration<T>): OptionDeclaration<T> {
  Object.freeze(option.flag);
  return Object.freeze(option);
}

/** Schemas several options share. */
export const DNS_LABEL_SCHEMA = Object.freeze({ type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });
export const DNS_SUBDOMAIN_SCHEMA = Object.freeze({
  type: 'string',
  maxLength: 253,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
});

/** The schema of an `old=new` map whose both sides follow `name`. */
export function nameMapSchema(name: JsonObject): JsonObject {
  return { type: 'object', propertyNames: name, additionalProperties: name };
}

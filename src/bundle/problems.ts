// Problems found in a bundle, as data: the reader reports them, `validate` lists them, the CLI prints them.

import { InputError } from '../errors.ts';

/** One thing wrong with a bundle. `entry` is the tar entry it concerns, when there is one. */
export interface BundleProblem {
  /** A stable, kebab-case identifier (`sha256-mismatch`, `schema`, `unsafe-path`, …). */
  code: string;
  entry?: string;
  message: string;
}

/** True when `value` is a problem rather than the result it stands in for (an entry path, a parsed value). */
export function isProblem<T extends object>(value: T | BundleProblem): value is BundleProblem {
  return 'code' in value && 'message' in value && !('section' in value);
}

/**
 * The one-line text of a problem: `bundle entry <path>: <message>`, or `bundle: <message>`; prefixed with
 * `<source>: ` when the caller named the bundle (a file name, `-`).
 */
export function describeProblem(problem: BundleProblem, source?: string): string {
  const text = problem.entry === undefined ? `bundle: ${problem.message}` : `bundle entry ${quoteEntryName(problem.entry)}: ${problem.message}`;
  return source === undefined ? text : `${source}: ${text}`;
}

/** The problem as the InputError the reader throws. */
export function problemError(problem: BundleProblem, source?: string): InputError {
  return new BundleInputError(problem, source);
}

/** An InputError that still carries the problem it came from, so `validate` can list it as data. */
export class BundleInputError extends InputError {
  readonly problem: BundleProblem;

  constructor(problem: BundleProblem, source?: string) {
    super(describeProblem(problem, source));
    this.problem = problem;
  }
}

/** An entry name fit for a one-line message: JSON-quoted when it holds control characters, spaces or quotes. */
export function quoteEntryName(name: string): string {
  // Plain names print as they are; anything that could break the line or mislead a reader is quoted.
  return /^[^\u0000-\u0020\u007f"'\\]+$/.test(name) ? name : JSON.stringify(name);
}

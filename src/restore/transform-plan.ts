// Whether restore runs the transformer, with which seed, and where it moves each source namespace.

import { createHash } from 'node:crypto';
import { UsageError } from '../errors.ts';
import { compareStrings, refKey, type ObjectRef } from '../model/object-ref.ts';
import { TRANSFORM_OPTIONS, type TransformOptions } from '../transform/index.ts';

/** The transform flags as restore receives them (undefined: not given): values, and the options given as files. */
export type GivenTransformFlags = Partial<TransformOptions> & { files?: { [key: string]: string | undefined } };

/**
 * A bundle whose header says it was transformed is restored as it is; a flag of an option that rewrites a bundle
 * (its declaration says so) is a usage error: remapping twice gives other identities than the transform run that
 * was reviewed.
 * @throws UsageError naming the flags.
 */
export function checkAlreadyTransformed(flags: GivenTransformFlags, rules: readonly string[]): void {
  const values = flags as { [key: string]: unknown };
  const given = TRANSFORM_OPTIONS.filter(
    ({ key, declaration }) => declaration.rewrites && (values[key] !== undefined || flags.files?.[key] !== undefined),
  ).map(({ declaration }) => `--${declaration.flag.name}`);
  if (given.length === 0) return;
  throw new UsageError(
    `the bundle was already transformed (rules: ${rules.join(', ') || 'none'}); ${given.join(', ')} would transform it again: ` +
      'restore the original bundle with these flags, or run kubectl kvbackup transform on it first',
  );
}

/**
 * The seed restore uses when none is given: derived from the objects and the namespace flags, so running the same
 * restore again gives the same MACs, serials and UUIDs (a re-run changes nothing), while a restore of the same
 * input into another namespace gets different ones.
 */
export function deriveSeed(refs: readonly ObjectRef[], flags: GivenTransformFlags): string {
  const hash = createHash('sha256');
  for (const key of refs.map(refKey).sort(compareStrings)) hash.update(`${key}\n`);
  hash.update(`target=${flags.targetNamespace ?? ''}\n`);
  for (const [from, to] of Object.entries(flags.namespaceMap ?? {}).sort(([a], [b]) => compareStrings(a, b))) hash.update(`map=${from}=${to}\n`);
  return `restore-${hash.digest('hex').slice(0, 24)}`;
}

/** Where the transform moved a source namespace, from the options it ran (or the bundle header records) with. */
export function namespaceMapper(options: Pick<TransformOptions, 'targetNamespace' | 'namespaceMap'> | undefined): (namespace: string) => string {
  const target = options?.targetNamespace;
  const map = options?.namespaceMap ?? {};
  return (namespace) => target ?? map[namespace] ?? namespace;
}

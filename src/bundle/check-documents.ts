// Decodes and checks each JSON entry: UTF-8, JSON, version, schema, and that an object or record sits at its own path.

import type { KubeObject } from '../model/kube-object.ts';
import { namingProblems } from '../model/names.ts';
import { describeRef, refOf, sameRef } from '../model/object-ref.ts';
import { READABLE_FORMAT_VERSIONS, type BundleHeader, type ExportRecord } from './documents.ts';
import type { EntryPath, FormatVersion } from './layout.ts';
import type { BundleProblem } from './problems.ts';
import { schemaErrors, type SchemaName } from './validators.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Parses an entry's bytes as JSON; invalid UTF-8 or JSON is a problem naming the entry. */
export function parseJsonEntry(path: string, bytes: Uint8Array): { value: unknown } | BundleProblem {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { code: 'bad-json', entry: path, message: 'invalid JSON: not UTF-8' };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { code: 'bad-json', entry: path, message: `invalid JSON: ${(error as Error).message}` };
  }
}

/** Schema errors as one problem: the first error, and how many more there are. */
export function schemaProblem(name: SchemaName, path: string, value: unknown): BundleProblem | undefined {
  const errors = schemaErrors(name, value);
  if (errors.length === 0) return undefined;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return { code: 'schema', entry: path, message: `does not match schema ${name}: ${errors[0]}${more}` };
}

/**
 * Checks the header: the version first, so a newer bundle gets a clear message rather than schema noise.
 * A version problem is fatal to reading; a schema problem is not.
 */
export function checkHeader(path: string, value: unknown): { header: BundleHeader; problem?: BundleProblem; fatal: boolean } {
  const version = (value as { formatVersion?: unknown } | null)?.formatVersion;
  const header = value as BundleHeader;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof version !== 'string') {
    return { header, problem: { code: 'not-a-bundle', entry: path, message: 'not a kubectl-kvbackup header (no formatVersion)' }, fatal: true };
  }
  if (!(READABLE_FORMAT_VERSIONS as readonly string[]).includes(version)) {
    return {
      header,
      problem: { code: 'unsupported-version', entry: path, message: `unsupported bundle version ${version} (this tool reads ${READABLE_FORMAT_VERSIONS.join(' and ')})` },
      fatal: true,
    };
  }
  const problem = schemaProblem(`header.${version as FormatVersion}`, path, value) ?? v1alpha1OptionsProblem(path, header);
  return problem ? { header, problem, fatal: false } : { header, fatal: false };
}

/**
 * v1alpha1's header schema takes any object as the transform options; they are read as this version's options
 * (v1alpha2's schema refers to schemas/transform-options.schema.json itself), so they are checked as such.
 */
function v1alpha1OptionsProblem(path: string, header: BundleHeader): BundleProblem | undefined {
  if (header.formatVersion !== 'v1alpha1' || !header.transformed) return undefined;
  const problem = schemaProblem('transform-options', path, header.transformed.options);
  return problem && { ...problem, message: `transformed.options ${problem.message}` };
}

/**
 * Checks an object manifest against the minimal schema and against the identity its path spells. Objects are
 * self-describing: a namespaced object carries its namespace (the path never supplies one).
 */
export function checkObject(entry: Extract<EntryPath, { section: 'object' }>, value: unknown): BundleProblem | undefined {
  const problem = schemaProblem('object-manifest.v1alpha1', entry.path, value);
  if (problem) return problem;
  const naming = namingProblems(value as KubeObject);
  if (naming.length > 0) return { code: 'bad-name', entry: entry.path, message: `invalid object: ${naming.join('; ')}` };
  const actual = refOf(value as KubeObject);
  if (!sameRef(actual, entry.ref)) {
    return { code: 'object-path', entry: entry.path, message: `holds ${describeRef(actual)}, not ${describeRef(entry.ref)} as its path says` };
  }
  return undefined;
}

/** Checks an export record against its schema (of `version`) and its path. */
export function checkExportRecord(entry: Extract<EntryPath, { section: 'export' }>, value: unknown, version: FormatVersion = 'v1alpha2'): BundleProblem | undefined {
  const problem = schemaProblem(`export-record.${version}`, entry.path, value);
  if (problem) return problem;
  const record = value as ExportRecord;
  if (record.namespace !== entry.namespace || record.vmName !== entry.vmName) {
    return { code: 'export-path', entry: entry.path, message: `holds the record of ${record.namespace}/${record.vmName}, not ${entry.namespace}/${entry.vmName} as its path says` };
  }
  return undefined;
}

/** Checks the trailer against its schema (of `version`). */
export function checkTrailer(path: string, value: unknown, version: FormatVersion = 'v1alpha2'): BundleProblem | undefined {
  return schemaProblem(`trailer.${version}`, path, value);
}

/** Compares the header's declared counts with what the bundle held. */
export function contentsProblems(path: string, header: BundleHeader, actual: { objects?: number; exports?: number; data?: number }): BundleProblem[] {
  const problems: BundleProblem[] = [];
  for (const key of ['objects', 'exports', 'data'] as const) {
    const declared = header.contents?.[key];
    const found = actual[key];
    if (found !== undefined && declared !== found) {
      problems.push({ code: 'contents-count', entry: path, message: `contents.${key} is ${String(declared)} but the bundle holds ${found}` });
    }
  }
  return problems;
}

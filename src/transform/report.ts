// The transform report (schemas/report.v1alpha1.schema.json): every change, every dropped object, every warning.

import { InputError } from '../errors.ts';
import type { JsonValue } from '../model/kube-object.ts';
import { isSecretValue, redactSecretValue } from '../model/secret-values.ts';
import { compareRefs, compareStrings, type ObjectRef } from '../model/object-ref.ts';
import type { TransformOptions } from './options.ts';
import { schemaErrors } from '../schemas.ts';

export const REPORT_API_VERSION = 'kvbackup/v1alpha1';
export const REPORT_KIND = 'TransformReport';

/** One op a rule applied; `object` is the object as it was in the input. */
export interface ReportChange {
  rule: string;
  object: ObjectRef;
  op: 'add' | 'replace' | 'remove';
  path: string;
  old?: JsonValue;
  new?: JsonValue;
}

export interface ReportDropped {
  rule: string;
  object: ObjectRef;
  reason: string;
}

export interface ReportWarning {
  rule: string;
  object: ObjectRef;
  message: string;
}

export interface TransformReport {
  apiVersion: typeof REPORT_API_VERSION;
  kind: typeof REPORT_KIND;
  seed: string;
  /** The options after defaults, without the seed. */
  options: Omit<TransformOptions, 'seed'>;
  changes: ReportChange[];
  dropped: ReportDropped[];
  warnings: ReportWarning[];
}

/** Builds the report with every list in its documented order: by object, then path (changes) or rule. */
export function buildReport(
  options: TransformOptions,
  changes: ReportChange[],
  dropped: ReportDropped[],
  warnings: ReportWarning[],
  ruleOrder: readonly string[],
): TransformReport {
  const { seed, ...rest } = options;
  const rank = new Map(ruleOrder.map((name, i) => [name, i]));
  const byRule = (a: { rule: string }, b: { rule: string }) => (rank.get(a.rule) ?? 0) - (rank.get(b.rule) ?? 0);
  return {
    apiVersion: REPORT_API_VERSION,
    kind: REPORT_KIND,
    seed,
    options: rest,
    changes: changes.map(withoutSecretValues).sort((a, b) => compareRefs(a.object, b.object) || compareStrings(a.path, b.path) || byRule(a, b)),
    dropped: dropped.sort((a, b) => compareRefs(a.object, b.object) || byRule(a, b)),
    warnings: warnings.sort(
      (a, b) => compareRefs(a.object, b.object) || byRule(a, b) || compareStrings(a.message, b.message),
    ),
  };
}

/** A change with Secret values (data, stringData, their last-applied copy) replaced by digest markers. */
function withoutSecretValues(change: ReportChange): ReportChange {
  if (!isSecretValue(change.object, change.path)) return change;
  const redacted: ReportChange = { ...change };
  if (change.old !== undefined) redacted.old = redactSecretValue(change.object, change.path, change.old);
  if (change.new !== undefined) redacted.new = redactSecretValue(change.object, change.path, change.new);
  return redacted;
}

/**
 * The MAC pairs a report's remap-mac-addresses changes made, old (as spelled in the input) → new, sorted by the
 * old address: a MAC map file (schemas/mac-map.v1alpha1.schema.json) that reproduces them, and the list to fix
 * guests whose network configuration names a MAC.
 */
export function macMapOf(report: TransformReport): Record<string, string> {
  const pairs = new Map<string, string>();
  for (const change of report.changes) {
    if (change.rule === 'remap-mac-addresses' && change.op === 'replace') pairs.set(String(change.old), String(change.new));
  }
  return Object.fromEntries([...pairs].sort(([a], [b]) => compareStrings(a, b)));
}

/**
 * Checks a report (for example one read back from a file) against the schema.
 * @throws InputError listing the schema errors.
 */
export function validateReport(report: unknown, source = 'transform report'): TransformReport {
  const errors = schemaErrors('report.v1alpha1', report);
  if (errors.length > 0) throw new InputError(`${source}: not a valid transform report`, errors);
  return report as TransformReport;
}

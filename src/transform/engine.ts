// The transform engine: runs every rule on every object of the input, merges their ops, and writes the report.

import { InputError, InternalError, KvbError } from '../errors.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { ObjectIndex } from '../model/object-index.ts';
import { compareRefs, describeRef, kindKey, refKey, refOf, type ObjectRef } from '../model/object-ref.ts';
import { applyOps, checkConflicts, type AttributedOp } from './apply-ops.ts';
import { resolveTransformOptions, type TransformOptions, type TransformOptionsInput } from './options.ts';
import { buildReport, type ReportChange, type ReportDropped, type ReportWarning, type TransformReport } from './report.ts';
import type { Op, Rule, RuleContext, RuleFunction } from './rule.ts';
import { RULES } from './rules/index.ts';

export interface TransformResult {
  /** The kept objects, changed, sorted by their new ref. They may share unchanged parts with the input objects. */
  objects: KubeObject[];
  report: TransformReport;
}

interface RunningRule {
  name: string;
  run: RuleFunction;
}

function freezeOptions(options: TransformOptions): Readonly<TransformOptions> {
  for (const value of Object.values(options)) if (value !== null && typeof value === 'object') Object.freeze(value);
  return Object.freeze(options);
}

/** Turns whatever a rule threw into an error that names the rule (and the object); user errors pass as they are. */
function ruleFailure(error: unknown, rule: string, where: string): Error {
  if (error instanceof KvbError || error instanceof InternalError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`rule ${rule} failed ${where}: ${message}`, { cause: error });
}

function changeOf(rule: string, object: ObjectRef, op: Op): ReportChange {
  switch (op.op) {
    case 'add':
      return { rule, object, op: op.op, path: op.path, new: op.new };
    case 'replace':
      return { rule, object, op: op.op, path: op.path, old: op.old, new: op.new };
    case 'remove':
      return { rule, object, op: op.op, path: op.path, old: op.old };
  }
}

/**
 * Transforms every object of `index` for restore. Pure: the same objects (in any order) and options give the
 * same output, byte for byte once serialised. Each rule's `create` runs once; its function then runs on every
 * object of its kinds and always sees the original object. A drop wins over changes; two rules changing
 * overlapping paths of one object is an InternalError naming both.
 * @throws UsageError / InputError for bad options; InputError when two output objects would share an identity.
 */
export function transform(index: ObjectIndex, input: TransformOptionsInput, rules: readonly Rule[] = RULES): TransformResult {
  const options = freezeOptions(resolveTransformOptions(input));
  const context: RuleContext = Object.freeze({ index, options });
  const running: { rule: Rule; run: RuleFunction }[] = rules.map((rule) => {
    try {
      return { rule, run: rule.create(context) };
    } catch (error) {
      throw ruleFailure(error, rule.name, 'to start');
    }
  });

  // Rules per kind, in rule order, computed once per kind seen.
  const byKind = new Map<string, RunningRule[]>();
  const rulesFor = (ref: ObjectRef): RunningRule[] => {
    const key = kindKey(ref.group, ref.kind);
    let list = byKind.get(key);
    if (!list) {
      list = running
        .filter(({ rule }) => !rule.kinds || rule.kinds.some((kind) => kind.group === ref.group && kind.kind === ref.kind))
        .map(({ rule, run }) => ({ name: rule.name, run }));
      byKind.set(key, list);
    }
    return list;
  };

  const rank = new Map(rules.map((rule, i) => [rule.name, i]));
  const changes: ReportChange[] = [];
  const dropped: ReportDropped[] = [];
  const warnings: ReportWarning[] = [];
  const kept: { ref: ObjectRef; from: ObjectRef; object: KubeObject }[] = [];
  for (const { ref, object } of index.entries()) {
    const ops: AttributedOp[] = [];
    const objectWarnings: ReportWarning[] = [];
    let drops = 0;
    for (const { name, run } of rulesFor(ref)) {
      let result;
      try {
        result = run(object, ref);
      } catch (error) {
        throw ruleFailure(error, name, `on ${describeRef(ref)}`);
      }
      if (result === undefined) continue;
      if ('drop' in result) {
        dropped.push({ rule: name, object: ref, reason: result.drop });
        drops++;
        continue;
      }
      for (const op of result.ops) ops.push({ rule: name, op });
      for (const message of result.warnings ?? []) objectWarnings.push({ rule: name, object: ref, message });
    }
    if (drops > 0) continue;
    checkConflicts(ops, () => describeRef(ref));
    let output: KubeObject;
    try {
      output = applyOps(object, ops.map((entry) => entry.op));
    } catch (error) {
      // An op that does not fit the object it was computed from: a bug in the rule that made it.
      const names = [...new Set(ops.map((entry) => entry.rule))].join(', ');
      throw new InternalError(`rules ${names} on ${describeRef(ref)}: ${(error as Error).message}`, { cause: error });
    }
    // Sorted here, per object, in the report's order; the report's sort over all changes then runs in linear time.
    ops.sort((a, b) => (a.op.path < b.op.path ? -1 : a.op.path > b.op.path ? 1 : rank.get(a.rule)! - rank.get(b.rule)!));
    for (const { rule, op } of ops) changes.push(changeOf(rule, ref, op));
    warnings.push(...objectWarnings);
    kept.push({ ref: refOf(output, ref.namespace), from: ref, object: output });
  }

  kept.sort((a, b) => compareRefs(a.ref, b.ref));
  for (let i = 1; i < kept.length; i++) {
    const [a, b] = [kept[i - 1]!, kept[i]!];
    if (refKey(a.ref) === refKey(b.ref)) {
      throw new InputError(
        `${describeRef(a.from)} and ${describeRef(b.from)} would both become ${describeRef(a.ref)}; choose other namespaces`,
      );
    }
  }
  return {
    objects: kept.map((entry) => entry.object),
    report: buildReport(options, changes, dropped, warnings, rules.map((rule) => rule.name)),
  };
}

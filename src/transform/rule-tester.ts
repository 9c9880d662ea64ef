// RuleTester: table-driven tests for one transform rule on node:test, guarding purity, exactness and idempotence.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../model/kube-object.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { refOf } from '../model/object-ref.ts';
import { applyOps, checkConflicts } from './apply-ops.ts';
import { resolveTransformOptions, type TransformOptions, type TransformOptionsInput } from './options.ts';
import type { Op, Rule, RuleResult } from './rule.ts';
import { isKind } from '../model/kinds.ts';

interface CaseBase {
  /** Says what the case proves; unique within the rule's cases. */
  name: string;
  /** The object the rule is run on. */
  object: KubeObject;
  /** Other objects of the input (what `context.index` holds besides `object`). */
  others?: KubeObject[];
  /** Options over the tester's base options. */
  options?: Partial<TransformOptions>;
  /** The warnings the rule must return, in order (default: none). */
  warnings?: string[];
}

/** The rule returns no ops and no drop. */
export type ValidCase = CaseBase;

/** The rule returns exactly `ops`, which turn `object` into `output`; or drops the object with `drop` as reason. */
export type InvalidCase = CaseBase & ({ ops: Op[]; output: KubeObject; drop?: never } | { drop: string; ops?: never; output?: never });

export interface RuleTests {
  valid: ValidCase[];
  invalid: InvalidCase[];
}

/** What the first run of an invalid case gave, for choosing the options of the idempotence run. */
export interface FirstRun {
  options: TransformOptions;
  ops: Op[];
  output: KubeObject;
}

export interface RuleTesterConfig {
  /** Options every case starts from; the defaults apply to what is not given. Default: `{ seed: 'rule-tester' }`. */
  options?: TransformOptionsInput;
  /**
   * Idempotence: by default the rule is run again on each invalid case's output (with the same other objects
   * and options) and must return no ops. A remap rule cannot pass that as such (it maps whatever it sees), so it
   * either gives the options of the second run (for example the first run's mapping as an explicit, identity
   * map) or skips the check with a stated reason.
   */
  idempotence?: { skip: string } | { rerunOptions(first: FirstRun): Partial<TransformOptions> };
}

/** Freezes a value and everything in it, so a rule that mutates its input or context throws. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** JSON with object keys sorted, so two cases that differ only in key order compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    member !== null && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );
}

function opsOf(result: RuleResult): Op[] {
  return result && 'ops' in result ? result.ops : [];
}

function warningsOf(result: RuleResult): string[] {
  return result && 'ops' in result ? (result.warnings ?? []) : [];
}

/** The describe/it pair the tester declares its tests with (node:test's by default). */
export interface TestFramework {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => void): unknown;
}

export class RuleTester {
  readonly #config: RuleTesterConfig;
  readonly #framework: TestFramework;

  constructor(config: RuleTesterConfig = {}, framework: TestFramework = { describe, it }) {
    this.#config = config;
    this.#framework = framework;
  }

  /** Declares `describe(rule.name)` with one `it` per case, plus one checking the cases themselves. */
  run(rule: Rule, tests: RuleTests, config: RuleTesterConfig = {}): void {
    const merged: RuleTesterConfig = { ...this.#config, ...config };
    const { describe, it } = this.#framework;
    describe(rule.name, () => {
      it('has well-formed test cases', () => checkCases(tests));
      describe('valid', () => {
        for (const testCase of tests.valid) it(testCase.name, () => this.#runValid(rule, testCase, merged));
      });
      describe('invalid', () => {
        for (const testCase of tests.invalid) it(testCase.name, () => this.#runInvalid(rule, testCase, merged));
      });
    });
  }

  #runValid(rule: Rule, testCase: ValidCase, config: RuleTesterConfig): void {
    const { result } = runOnce(rule, testCase, config);
    assert.ok(!(result && 'drop' in result), `valid case dropped the object: ${result && 'drop' in result ? result.drop : ''}`);
    assert.deepEqual(opsOf(result), [], 'a valid case must produce no ops');
    assert.deepEqual(warningsOf(result), testCase.warnings ?? []);
  }

  #runInvalid(rule: Rule, testCase: InvalidCase, config: RuleTesterConfig): void {
    const { result, options } = runOnce(rule, testCase, config);
    if (testCase.drop !== undefined) {
      assert.ok(result && 'drop' in result, 'expected the object to be dropped');
      assert.equal(result.drop, testCase.drop);
      return;
    }
    assert.ok(!(result && 'drop' in result), `unexpected drop: ${result && 'drop' in result ? result.drop : ''}`);
    const ops = opsOf(result);
    assert.deepEqual(ops, testCase.ops);
    assert.deepEqual(warningsOf(result), testCase.warnings ?? []);
    checkConflicts(ops.map((op) => ({ rule: rule.name, op })), () => testCase.name);
    const output = applyOps(testCase.object, ops);
    assert.deepEqual(output, testCase.output);

    const idempotence = config.idempotence;
    if (idempotence && 'skip' in idempotence) return;
    const rerun = idempotence ? idempotence.rerunOptions({ options, ops, output }) : {};
    const second = runOnce(rule, { ...testCase, object: output, options: { ...testCase.options, ...rerun } }, config);
    assert.ok(!(second.result && 'drop' in second.result), 'the rule drops its own output');
    assert.deepEqual(opsOf(second.result), [], 'the rule changes its own output again (not idempotent)');
  }
}

function runOnce(rule: Rule, testCase: CaseBase, config: RuleTesterConfig): { result: RuleResult; options: TransformOptions } {
  const options = deepFreeze(resolveTransformOptions({ seed: 'rule-tester', ...config.options, ...testCase.options }));
  const object = deepFreeze(testCase.object);
  const others = deepFreeze(testCase.others ?? []);
  if (rule.kinds && !rule.kinds.some((kind) => isKind(object, kind))) {
    assert.fail(`the case's ${object.kind} is not among the kinds of ${rule.name}, so the engine would never run it`);
  }
  const index = ObjectIndex.of([object, ...others]);
  Object.freeze(index);
  const run = rule.create(Object.freeze({ index, options }));
  return { result: run(object, refOf(object)), options };
}

function checkCases(tests: RuleTests): void {
  assert.ok(tests.valid.length > 0, 'give at least one valid case');
  assert.ok(tests.invalid.length > 0, 'give at least one invalid case');
  const names = new Set<string>();
  const contents = new Map<string, string>();
  for (const testCase of [...tests.valid, ...tests.invalid]) {
    assert.ok(testCase.name, 'every case needs a name');
    assert.ok(!names.has(testCase.name), `duplicate case name "${testCase.name}"`);
    names.add(testCase.name);
    const content = canonicalJson({ object: testCase.object, others: testCase.others ?? [], options: testCase.options ?? {} });
    const twin = contents.get(content);
    assert.ok(twin === undefined, `cases "${twin}" and "${testCase.name}" are duplicates`);
    contents.set(content, testCase.name);
  }
  for (const testCase of tests.invalid) {
    const hasDrop = testCase.drop !== undefined;
    const hasOps = testCase.ops !== undefined;
    assert.ok(hasDrop !== hasOps, `invalid case "${testCase.name}" needs exactly one of drop and ops`);
    if (hasOps) {
      assert.ok(testCase.ops!.length > 0, `invalid case "${testCase.name}" has no ops: make it a valid case`);
      assert.ok(testCase.output !== undefined, `invalid case "${testCase.name}" needs the output object`);
    }
  }
}

/** The tester with the default configuration. */
export const ruleTester = new RuleTester();

// Tests for the RuleTester itself: it must fail rules and cases that break its guarantees.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../model/kube-object.ts';
import { Kinds } from '../model/kinds.ts';
import { defineRule, type Rule } from './rule.ts';
import { RuleTester, type RuleTesterConfig, type RuleTests, type TestFramework } from './rule-tester.ts';
import { configMap, pod } from './test-fixtures.ts';

/** Runs the tester's declared tests at once and returns the failures by test name. */
function outcomes(rule: Rule, tests: RuleTests, config: RuleTesterConfig = {}): Map<string, string> {
  const failures = new Map<string, string>();
  const path: string[] = [];
  const framework: TestFramework = {
    describe(name, body) {
      path.push(name);
      body();
      path.pop();
    },
    it(name, body) {
      const full = [...path, name].join(' > ');
      try {
        body();
        failures.set(full, 'ok');
      } catch (error) {
        failures.set(full, (error as Error).message);
      }
    },
  };
  new RuleTester({}, framework).run(rule, tests, config);
  return failures;
}

const annotate = defineRule({
  name: 'add-note',
  description: 'Add a note annotation.',
  kinds: [Kinds.ConfigMap],
  create: () => (object) =>
    object.metadata.annotations?.['note'] === 'x' ? undefined : { ops: [{ op: 'add', path: '/metadata/annotations/note', new: 'x' }] },
});
const valid = { name: 'already noted', object: configMap('a', { annotations: { note: 'x' } }) };
const invalid = {
  name: 'adds the note',
  object: configMap('b'),
  ops: [{ op: 'add' as const, path: '/metadata/annotations/note', new: 'x' }],
  output: configMap('b', { annotations: { note: 'x' } }),
};

describe('RuleTester', () => {
  it('passes a correct rule with correct cases', () => {
    const results = outcomes(annotate, { valid: [valid], invalid: [invalid] });
    assert.deepEqual([...results.values()], ['ok', 'ok', 'ok']);
    assert.deepEqual([...results.keys()], ['add-note > has well-formed test cases', 'add-note > valid > already noted', 'add-note > invalid > adds the note']);
  });

  it('fails empty arrays, duplicate names and duplicate content', () => {
    assert.match(outcomes(annotate, { valid: [], invalid: [invalid] }).get('add-note > has well-formed test cases')!, /at least one valid case/);
    assert.match(outcomes(annotate, { valid: [valid], invalid: [] }).get('add-note > has well-formed test cases')!, /at least one invalid case/);
    const twin = { ...valid, name: 'twin' };
    assert.match(outcomes(annotate, { valid: [valid, twin], invalid: [invalid] }).get('add-note > has well-formed test cases')!, /are duplicates/);
    assert.match(
      outcomes(annotate, { valid: [valid, { ...valid, object: configMap('c') }], invalid: [invalid] }).get('add-note > has well-formed test cases')!,
      /duplicate case name/,
    );
  });

  it('fails an invalid case with wrong ops or a wrong output', () => {
    const wrongOps = { ...invalid, ops: [{ op: 'add' as const, path: '/metadata/annotations/note', new: 'y' }] };
    assert.notEqual(outcomes(annotate, { valid: [valid], invalid: [wrongOps] }).get('add-note > invalid > adds the note'), 'ok');
    const wrongOutput = { ...invalid, output: configMap('b') };
    assert.notEqual(outcomes(annotate, { valid: [valid], invalid: [wrongOutput] }).get('add-note > invalid > adds the note'), 'ok');
  });

  it('fails a valid case that changes something', () => {
    const results = outcomes(annotate, { valid: [{ name: 'not noted', object: configMap('z') }], invalid: [invalid] });
    assert.match(results.get('add-note > valid > not noted')!, /no ops/);
  });

  it('fails a rule that mutates its input', () => {
    const mutating = defineRule({
      name: 'set-label',
      description: 'Set a label.',
      create: () => (object) => {
        (object.metadata as { labels?: Record<string, string> }).labels = { a: 'b' };
        return undefined;
      },
    });
    const results = outcomes(mutating, { valid: [valid], invalid: [invalid] });
    assert.match(results.get('set-label > valid > already noted')!, /read only|not extensible|Cannot assign/);
  });

  it('fails a rule that is not idempotent, unless told why to skip', () => {
    const counter = defineRule({
      name: 'add-suffix',
      description: 'Add a suffix.',
      create: () => (object) => ({ ops: [{ op: 'replace', path: '/data/key', old: (object['data'] as Record<string, string>)['key']!, new: `${(object['data'] as Record<string, string>)['key']}!` }] }),
    });
    const suffixed: KubeObject = { ...configMap('b'), data: { key: 'value!' } };
    const tests = { valid: [], invalid: [{ name: 'suffix', object: configMap('b'), ops: [{ op: 'replace' as const, path: '/data/key', old: 'value', new: 'value!' }], output: suffixed }] };
    assert.match(outcomes(counter, tests).get('add-suffix > invalid > suffix')!, /not idempotent/);
    assert.equal(outcomes(counter, tests, { idempotence: { skip: 'appends by design' } }).get('add-suffix > invalid > suffix'), 'ok');
  });

  it('fails a case whose object the rule never sees', () => {
    const results = outcomes(annotate, { valid: [{ name: 'a pod', object: pod('p') }], invalid: [invalid] });
    assert.match(results.get('add-note > valid > a pod')!, /not among the kinds of add-note/);
  });

  it('fails a drop case when the rule does not drop, and checks the reason', () => {
    const dropper = defineRule({ name: 'drop-all', description: 'Drop all.', create: () => () => ({ drop: 'gone' }) });
    assert.equal(outcomes(dropper, { valid: [], invalid: [{ name: 'drops', object: configMap('a'), drop: 'gone' }] }).get('drop-all > invalid > drops'), 'ok');
    assert.notEqual(outcomes(dropper, { valid: [], invalid: [{ name: 'drops', object: configMap('a'), drop: 'other' }] }).get('drop-all > invalid > drops'), 'ok');
    assert.notEqual(outcomes(annotate, { valid: [valid], invalid: [{ name: 'drops', object: configMap('a'), drop: 'x' }] }).get('add-note > invalid > drops'), 'ok');
  });
});

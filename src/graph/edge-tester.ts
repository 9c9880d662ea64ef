// The harness every edge family's test uses: table-driven cases, exact edges, frozen input, hygiene checks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupOf, type KubeObject } from '../model/kube-object.ts';
import { isClusterScoped } from '../model/kinds.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { compareRefs, compareStrings, refKey } from '../model/object-ref.ts';
import type { EdgeFamily, EdgeTarget } from './edge-family.ts';

/** One case: the object the family reads, and the other input objects it may look up. */
export interface EdgeCase {
  /** Shown as the test's name; unique within a family's table. */
  name: string;
  object: KubeObject;
  others?: KubeObject[];
  /** The namespace the index gives namespaced objects without one (default ""). */
  defaultNamespace?: string;
}

/** A case the family must find exactly these edges in (in any order). */
export interface EdgeCaseWithEdges extends EdgeCase {
  edges: EdgeTarget[];
}

/** `valid`: objects with no edges of this family; `invalid`: objects with exactly the edges given. */
export interface EdgeTests {
  valid: EdgeCase[];
  invalid: EdgeCaseWithEdges[];
}

/** Freezes a value and everything it holds, so a family that writes to its input throws. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Sorted by target, then reason: the order the comparison uses. */
export function sortTargets(edges: readonly EdgeTarget[]): EdgeTarget[] {
  return [...edges].sort((a, b) => compareRefs(a.to, b.to) || compareStrings(a.reason, b.reason));
}

function caseInput(testCase: EdgeCase): string {
  return JSON.stringify([testCase.object, testCase.others ?? [], testCase.defaultNamespace ?? '']);
}

/** Checks the table itself. @throws AssertionError naming the first problem. */
export function checkEdgeTests(family: EdgeFamily, tests: EdgeTests): void {
  assert.ok(tests.valid.length > 0, `${family.name}: add at least one valid case`);
  assert.ok(tests.invalid.length > 0, `${family.name}: add at least one invalid case`);
  const names = new Set<string>();
  const inputs = new Map<string, string>();
  for (const testCase of [...tests.valid, ...tests.invalid]) {
    assert.ok(testCase.name.trim() !== '', `${family.name}: every case needs a name`);
    assert.ok(!names.has(testCase.name), `${family.name}: duplicate case name "${testCase.name}"`);
    names.add(testCase.name);
    const input = caseInput(testCase);
    const earlier = inputs.get(input);
    assert.ok(earlier === undefined, `${family.name}: "${testCase.name}" duplicates the input of "${earlier}"`);
    inputs.set(input, testCase.name);
    const group = groupOf(testCase.object.apiVersion);
    assert.ok(
      family.fromKinds.some((kind) => kind.group === group && kind.kind === testCase.object.kind),
      `${family.name}: "${testCase.name}" reads a ${testCase.object.kind}, which the family does not read`,
    );
  }
  for (const testCase of tests.invalid) {
    assert.ok(testCase.edges.length > 0, `${family.name}: invalid case "${testCase.name}" must expect edges`);
  }
}

/** Runs one case on frozen copies of its objects and returns the edges, checking determinism and hygiene. */
export function runEdgeCase(family: EdgeFamily, testCase: EdgeCase): EdgeTarget[] {
  const object = deepFreeze(structuredClone(testCase.object));
  const others = (testCase.others ?? []).map((other) => deepFreeze(structuredClone(other)));
  const index = ObjectIndex.of([object, ...others], testCase.defaultNamespace ?? '');
  const context = deepFreeze({ index, ref: index.refOf(object) });
  const edges = family.edges(object, context);
  assert.deepEqual(family.edges(object, context), edges, `${family.name} gave different edges on a second call`);
  const seen = new Set<string>();
  for (const edge of edges) {
    const key = `${refKey(edge.to)} ${edge.reason}`;
    assert.ok(!seen.has(key), `${family.name} returned the edge to ${key} twice`);
    seen.add(key);
    assert.ok(edge.reason.trim() !== '', `${family.name} returned an edge without a reason`);
    assert.ok(edge.to.name !== '', `${family.name} returned an edge to an object without a name`);
    const clusterScoped = isClusterScoped(edge.to.group, edge.to.kind);
    assert.equal(edge.to.namespace === '', clusterScoped, `${family.name}: wrong namespace for ${refKey(edge.to)}`);
  }
  return edges;
}

/** Registers `describe(family) > describe(valid|invalid) > it(case)` on node:test. */
export const edgeTester = {
  run(family: EdgeFamily, tests: EdgeTests): void {
    describe(family.name, () => {
      it('has a well-formed case table', () => checkEdgeTests(family, tests));
      describe('valid', () => {
        for (const testCase of tests.valid) {
          it(testCase.name, () => assert.deepEqual(runEdgeCase(family, testCase), []));
        }
      });
      describe('invalid', () => {
        for (const testCase of tests.invalid) {
          it(testCase.name, () => {
            assert.deepEqual(sortTargets(runEdgeCase(family, testCase)), sortTargets(testCase.edges));
          });
        }
      });
    });
  },
};

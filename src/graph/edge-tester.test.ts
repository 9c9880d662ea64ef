// Tests for the edge tester's own checks: table hygiene, purity, determinism, exact edges.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kinds } from '../model/kinds.ts';
import { defineEdgeFamily, type EdgeFamily } from './edge-family.ts';
import { makeObject, makeVm } from './edge-fixtures.ts';
import { checkEdgeTests, deepFreeze, runEdgeCase, sortTargets } from './edge-tester.ts';

const secretEdge = { to: { ...Kinds.Secret, namespace: 'ns1', name: 's' }, reason: 'r', optional: false };
const family = defineEdgeFamily({
  name: 'test-family',
  description: 'A family for tests.',
  fromKinds: [Kinds.VirtualMachine],
  edges: () => [secretEdge],
});
const vm = makeVm('vm');

describe('checkEdgeTests', () => {
  const valid = [{ name: 'a', object: vm }];
  const invalid = [{ name: 'b', object: makeVm('vm2'), edges: [secretEdge] }];

  it('accepts a well-formed table', () => {
    assert.doesNotThrow(() => checkEdgeTests(family, { valid, invalid }));
  });
  it('needs both tables', () => {
    assert.throws(() => checkEdgeTests(family, { valid: [], invalid }), /at least one valid case/);
    assert.throws(() => checkEdgeTests(family, { valid, invalid: [] }), /at least one invalid case/);
  });
  it('fails a duplicate case name', () => {
    assert.throws(() => checkEdgeTests(family, { valid: [...valid, { name: 'a', object: makeVm('x') }], invalid }), /duplicate case name "a"/);
  });
  it('fails a duplicate input under another name', () => {
    assert.throws(() => checkEdgeTests(family, { valid: [...valid, { name: 'again', object: vm }], invalid }), /"again" duplicates the input of "a"/);
  });
  it('fails an unnamed case', () => {
    assert.throws(() => checkEdgeTests(family, { valid: [{ name: ' ', object: vm }], invalid }), /needs a name/);
  });
  it('fails a case of a kind the family does not read', () => {
    assert.throws(
      () => checkEdgeTests(family, { valid: [{ name: 'pvc', object: makeObject(Kinds.PersistentVolumeClaim, 'p') }], invalid }),
      /reads a PersistentVolumeClaim/,
    );
  });
  it('fails an invalid case that expects no edges', () => {
    assert.throws(() => checkEdgeTests(family, { valid, invalid: [{ name: 'b', object: makeVm('vm2'), edges: [] }] }), /must expect edges/);
  });
});

describe('runEdgeCase', () => {
  const withEdges = (edges: EdgeFamily['edges']): EdgeFamily => ({ ...family, edges });

  it('returns the family edges', () => {
    assert.deepEqual(runEdgeCase(family, { name: 'x', object: vm }), [secretEdge]);
  });
  it('fails a family that writes to its input', () => {
    const writer = withEdges((object) => {
      object.metadata.name = 'changed';
      return [];
    });
    assert.throws(() => runEdgeCase(writer, { name: 'x', object: vm }), TypeError);
    assert.equal(vm.metadata.name, 'vm', 'the case object itself stays untouched');
  });
  it('fails a family that is not deterministic', () => {
    let calls = 0;
    const flaky = withEdges(() => (calls++ === 0 ? [secretEdge] : []));
    assert.throws(() => runEdgeCase(flaky, { name: 'x', object: vm }), /different edges on a second call/);
  });
  it('fails duplicate edges', () => {
    assert.throws(() => runEdgeCase(withEdges(() => [secretEdge, secretEdge]), { name: 'x', object: vm }), /twice/);
  });
  it('fails an empty reason', () => {
    assert.throws(() => runEdgeCase(withEdges(() => [{ ...secretEdge, reason: '' }]), { name: 'x', object: vm }), /without a reason/);
  });
  it('fails a namespaced target without a namespace and a cluster-scoped one with one', () => {
    const noNamespace = { ...secretEdge, to: { ...secretEdge.to, namespace: '' } };
    assert.throws(() => runEdgeCase(withEdges(() => [noNamespace]), { name: 'x', object: vm }), /wrong namespace/);
    const clusterWithNamespace = { ...secretEdge, to: { ...Kinds.VirtualMachineClusterInstancetype, namespace: 'ns1', name: 'c' } };
    assert.throws(() => runEdgeCase(withEdges(() => [clusterWithNamespace]), { name: 'x', object: vm }), /wrong namespace/);
  });
  it('gives the family the ref with the default namespace applied', () => {
    let seen = '';
    const spy = withEdges((_object, { ref }) => {
      seen = ref.namespace;
      return [];
    });
    runEdgeCase(spy, { name: 'x', object: makeVm('vm', {}, {}, { namespace: undefined }), defaultNamespace: 'fallback' });
    assert.equal(seen, 'fallback');
  });
});

describe('deepFreeze and sortTargets', () => {
  it('freezes nested values', () => {
    const value = deepFreeze({ a: { b: [1, { c: 2 }] } });
    assert.ok(Object.isFrozen(value.a.b[1]));
  });
  it('sorts by target then reason', () => {
    const a = { ...secretEdge, reason: 'b' };
    const b = { ...secretEdge, reason: 'a' };
    const c = { ...secretEdge, to: { ...Kinds.ConfigMap, namespace: 'ns1', name: 'z' } };
    assert.deepEqual(sortTargets([a, b, c]), [c, b, a]);
  });
});

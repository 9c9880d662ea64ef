// Tests for buildGraph: one visit per object, missing and external nodes, merged edges, sorted deterministic output.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InternalError } from '../errors.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { Kinds } from '../model/kinds.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { compareRefs, describeRef, type ObjectRef } from '../model/object-ref.ts';
import { buildGraph, compareEdges } from './build-graph.ts';
import { defineEdgeFamily, type EdgeTarget } from './edge-family.ts';
import { makeObject, makeVm, makeVmi, ownerRefTo } from './edge-fixtures.ts';

const ref = (kind: { group: string; kind: string }, name: string, namespace = 'ns1'): ObjectRef => ({ ...kind, namespace, name });

/** A small but varied input: a running VM with most edge kinds, and bystanders. */
function scenario(): KubeObject[] {
  const vm = makeVm(
    'vm1',
    {
      domain: { devices: { tpm: { persistent: true } } },
      volumes: [
        { name: 'root', dataVolume: { name: 'vm1-root' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'ci', cloudInitNoCloud: { secretRef: { name: 'userdata' } } },
      ],
    },
    {
      instancetype: { kind: 'VirtualMachineClusterInstancetype', name: 'u1.small', revisionName: 'vm1-u1.small-1' },
      dataVolumeTemplates: [{ metadata: { name: 'vm1-root' }, spec: { sourceRef: { kind: 'DataSource', namespace: 'os', name: 'fedora' } } }],
    },
    { uid: 'vm-uid' },
  );
  const vmi = makeVmi('vm1', { volumes: [{ name: 'root', dataVolume: { name: 'vm1-root' } }] }, { uid: 'vmi-uid', ownerReferences: [ownerRefTo(vm)] });
  return [
    vm,
    vmi,
    makeObject(Kinds.Pod, 'virt-launcher-vm1-abcde', {}, { labels: { 'kubevirt.io/created-by': 'vmi-uid' }, ownerReferences: [ownerRefTo(vmi)] }),
    makeObject(Kinds.DataVolume, 'vm1-root', { status: { phase: 'Succeeded' } }, { uid: 'dv-uid', ownerReferences: [ownerRefTo(vm)] }),
    makeObject(Kinds.PersistentVolumeClaim, 'vm1-root', { status: { phase: 'Bound' } }),
    makeObject(Kinds.PersistentVolumeClaim, 'persistent-state-for-vm1-xyz', {}, { labels: { 'persistent-state-for': 'vm1' } }),
    makeObject(Kinds.ConfigMap, 'cfg'),
    makeObject(Kinds.ControllerRevision, 'vm1-u1.small-1'),
    makeObject(Kinds.ConfigMap, 'unrelated', {}, { namespace: 'ns2' }),
    makeObject(Kinds.Namespace, 'ns1'),
  ];
}

/** A permutation from a seeded linear congruential generator, so failures reproduce. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('buildGraph', () => {
  it('visits each object once with each family of its kind, and nothing else', () => {
    const calls: string[] = [];
    const spy = (name: string, kinds: { group: string; kind: string }[]) =>
      defineEdgeFamily({
        name,
        description: 'Spy.',
        fromKinds: kinds,
        edges: (_object, context) => {
          calls.push(`${name} ${describeRef(context.ref)}`);
          return [];
        },
      });
    const families = [spy('vms', [Kinds.VirtualMachine]), spy('volumes', [Kinds.VirtualMachine, Kinds.VirtualMachineInstance]), spy('pvcs', [Kinds.PersistentVolumeClaim])];
    buildGraph(ObjectIndex.of(scenario()), families);
    assert.deepEqual(calls.sort(), [
      'pvcs PersistentVolumeClaim ns1/persistent-state-for-vm1-xyz',
      'pvcs PersistentVolumeClaim ns1/vm1-root',
      'vms VirtualMachine.kubevirt.io ns1/vm1',
      'volumes VirtualMachine.kubevirt.io ns1/vm1',
      'volumes VirtualMachineInstance.kubevirt.io ns1/vm1',
    ]);
  });

  it('makes every input object a node and every unknown target a missing node', () => {
    const graph = buildGraph(ObjectIndex.of(scenario()));
    const missing = graph.nodes.filter((node) => node.missing).map(describeRef);
    assert.deepEqual(missing, [
      'PersistentVolumeClaim ns1/data',
      'Secret ns1/userdata',
      'DataSource.cdi.kubevirt.io os/fedora',
      'VirtualMachineClusterInstancetype.instancetype.kubevirt.io u1.small',
    ]);
    assert.equal(graph.nodes.filter((node) => !node.missing).length, scenario().length);
  });

  it('marks cluster-scoped instancetypes and preferences external, present or not', () => {
    const present = makeObject(Kinds.VirtualMachineClusterPreference, 'fedora');
    const vm = makeVm('vm', {}, { instancetype: { name: 'u1.small' }, preference: { name: 'fedora' } });
    const graph = buildGraph(ObjectIndex.of([vm, present]));
    assert.deepEqual(
      graph.nodes.filter((node) => node.external),
      [
        { ...Kinds.VirtualMachineClusterInstancetype, namespace: '', name: 'u1.small', missing: true, external: true },
        { ...Kinds.VirtualMachineClusterPreference, namespace: '', name: 'fedora', external: true },
      ],
    );
  });

  it('writes node and edge keys in the documented order', () => {
    const graph = buildGraph(ObjectIndex.of([makeVm('vm', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'd' } }] })]));
    assert.deepEqual(graph.nodes.map((node) => Object.keys(node)), [
      ['group', 'kind', 'namespace', 'name', 'missing'],
      ['group', 'kind', 'namespace', 'name'],
    ]);
    assert.deepEqual(Object.keys(graph.edges[0] ?? {}), ['from', 'to', 'reason', 'optional']);
    assert.deepEqual(Object.keys(graph.edges[0]?.from ?? {}), ['group', 'kind', 'namespace', 'name']);
  });

  it('merges identical edges, a required one winning over an optional one', () => {
    const target = (optional: boolean): EdgeTarget => ({ to: ref(Kinds.Secret, 's'), reason: 'same', optional });
    const family = (name: string, optional: boolean) =>
      defineEdgeFamily({ name, description: 'Test.', fromKinds: [Kinds.VirtualMachine], edges: () => [target(optional)] });
    const graph = buildGraph(ObjectIndex.of([makeVm('vm')]), [family('a', true), family('b', false), family('c', true)]);
    assert.deepEqual(graph.edges, [{ from: ref(Kinds.VirtualMachine, 'vm'), to: ref(Kinds.Secret, 's'), reason: 'same', optional: false }]);
  });

  it('keeps edges between the same pair that differ in reason', () => {
    const vm = makeVm('vm', { volumes: [{ name: 'a', secret: { secretName: 's' } }, { name: 'b', secret: { secretName: 's' } }] });
    const graph = buildGraph(ObjectIndex.of([vm]));
    assert.deepEqual(graph.edges.map((edge) => edge.reason), [
      'spec.template.spec.volumes[0].secret.secretName',
      'spec.template.spec.volumes[1].secret.secretName',
    ]);
  });

  it('sorts nodes by ref and edges by from, to and reason', () => {
    const graph = buildGraph(ObjectIndex.of(scenario()));
    assert.deepEqual(graph.nodes, [...graph.nodes].sort(compareRefs));
    assert.deepEqual(graph.edges, [...graph.edges].sort(compareEdges));
    assert.ok(graph.edges.length > 10);
  });

  it('gives byte-identical JSON for any input order', () => {
    const expected = JSON.stringify(buildGraph(ObjectIndex.of(scenario())));
    for (const seed of [1, 2, 3, 42, 1234]) {
      assert.equal(JSON.stringify(buildGraph(ObjectIndex.of(shuffled(scenario(), seed)))), expected, `seed ${seed}`);
    }
  });

  it('applies the index default namespace to objects without one', () => {
    const vm = makeVm('vm', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'd' } }] }, {}, { namespace: undefined });
    const graph = buildGraph(ObjectIndex.of([vm], 'default'));
    assert.deepEqual(graph.edges[0]?.from, ref(Kinds.VirtualMachine, 'vm', 'default'));
    assert.deepEqual(graph.edges[0]?.to, ref(Kinds.PersistentVolumeClaim, 'd', 'default'));
  });

  it('names the family and object when a family fails', () => {
    const broken = defineEdgeFamily({
      name: 'broken',
      description: 'Throws.',
      fromKinds: [Kinds.VirtualMachine],
      edges: () => {
        throw new Error('boom');
      },
    });
    assert.throws(
      () => buildGraph(ObjectIndex.of([makeVm('vm')]), [broken]),
      (error: unknown) => error instanceof InternalError && error.message === 'edge family broken failed on VirtualMachine.kubevirt.io ns1/vm: boom',
    );
  });

  it('refuses two families with one name', () => {
    const family = defineEdgeFamily({ name: 'twin', description: 'Twin.', fromKinds: [Kinds.Pod], edges: () => [] });
    assert.throws(() => buildGraph(ObjectIndex.of([]), [family, family]), /two edge families are named twin/);
  });

  it('gives an empty graph for empty input', () => {
    assert.deepEqual(buildGraph(ObjectIndex.of([])), { nodes: [], edges: [] });
  });
});

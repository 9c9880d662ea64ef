// Tests for missingRequired, describeMissing and graphRoots.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kinds } from '../model/kinds.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { describeRef } from '../model/object-ref.ts';
import { buildGraph, type Graph } from './build-graph.ts';
import { makeObject, makePool, makeReplicaSet, makeVm, makeVmi, ownerRefTo } from './edge-fixtures.ts';
import { describeMissing, graphRoots, missingRequired } from './graph-queries.ts';

const ref = (kind: { group: string; kind: string }, name: string, namespace = 'ns1') => ({ ...kind, namespace, name });

describe('missingRequired', () => {
  const vm = makeVm(
    'vm',
    {
      volumes: [
        { name: 'a', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'b', dataVolume: { name: 'root' } },
        { name: 'c', secret: { secretName: 'present' } },
      ],
    },
    { instancetype: { name: 'u1.small' } },
  );
  const vmi = makeVmi('other', { volumes: [{ name: 'a', persistentVolumeClaim: { claimName: 'data' } }] });
  const graph = buildGraph(ObjectIndex.of([vm, vmi, makeObject(Kinds.Secret, 'present')]));

  it('lists missing targets of required edges only, sorted, with every referrer', () => {
    assert.deepEqual(missingRequired(graph), [
      {
        ...ref(Kinds.PersistentVolumeClaim, 'data'),
        neededBy: [
          { from: ref(Kinds.VirtualMachine, 'vm'), reason: 'spec.template.spec.volumes[0].persistentVolumeClaim.claimName' },
          { from: ref(Kinds.VirtualMachineInstance, 'other'), reason: 'spec.volumes[0].persistentVolumeClaim.claimName' },
        ],
      },
      {
        ...ref(Kinds.DataVolume, 'root'),
        neededBy: [{ from: ref(Kinds.VirtualMachine, 'vm'), reason: 'spec.template.spec.volumes[1].dataVolume.name' }],
      },
    ]);
  });

  it('ignores a missing target that only optional edges reach (the PVC behind a DataVolume, external instancetypes)', () => {
    const targets = missingRequired(graph).map(describeRef);
    assert.ok(!targets.includes('PersistentVolumeClaim ns1/root'));
    assert.ok(!targets.some((target) => target.startsWith('VirtualMachineClusterInstancetype')));
  });

  it('is empty for a complete graph', () => {
    assert.deepEqual(missingRequired(buildGraph(ObjectIndex.of([makeVm('lonely')]))), []);
  });

  it('describes an entry on one line', () => {
    const [first] = missingRequired(graph);
    assert.ok(first);
    assert.equal(
      describeMissing(first),
      'PersistentVolumeClaim ns1/data (needed by VirtualMachine.kubevirt.io ns1/vm: spec.template.spec.volumes[0].persistentVolumeClaim.claimName; ' +
        'VirtualMachineInstance.kubevirt.io ns1/other: spec.volumes[0].persistentVolumeClaim.claimName)',
    );
  });
});

describe('graphRoots', () => {
  const vm = makeVm('vm', {}, {}, { uid: 'vm-uid' });
  const pool = makePool('pool', {}, {}, {}, { uid: 'pool-uid' });
  const pooled = makeVm('pool-0', {}, {}, { ownerReferences: [ownerRefTo(pool)] });
  const rs = makeReplicaSet('rs', {}, { uid: 'rs-uid' });
  const objects = [
    vm,
    makeVmi('vm', {}, { ownerReferences: [ownerRefTo(vm)] }),
    pool,
    pooled,
    rs,
    makeVmi('rs-abcde', {}, { labels: { 'kubevirt.io/vmReplicaSet': 'rs' } }),
    makeVmi('standalone'),
    makeVmi('orphan', {}, { ownerReferences: [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name: 'gone', uid: 'gone-uid', controller: true }] }),
    makeObject(Kinds.DataVolume, 'dv'),
  ];
  const graph: Graph = buildGraph(ObjectIndex.of(objects));

  it('lists VMs, standalone VMIs, replica sets and pools, not what they run', () => {
    assert.deepEqual(graphRoots(graph).map(describeRef), [
      'VirtualMachine.kubevirt.io ns1/vm',
      'VirtualMachineInstance.kubevirt.io ns1/orphan',
      'VirtualMachineInstance.kubevirt.io ns1/standalone',
      'VirtualMachineInstanceReplicaSet.kubevirt.io ns1/rs',
      'VirtualMachinePool.pool.kubevirt.io ns1/pool',
    ]);
  });

  it('never lists a missing node', () => {
    const withMissing: Graph = {
      nodes: [{ ...ref(Kinds.VirtualMachine, 'ghost'), missing: true }],
      edges: [],
    };
    assert.deepEqual(graphRoots(withMissing), []);
  });
});

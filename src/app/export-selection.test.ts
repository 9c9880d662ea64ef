import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterError, UsageError } from '../errors.ts';
import { makeObject, makePool, makeVm, makeVmi } from '../graph/edge-fixtures.ts';
import { buildGraph } from '../graph/index.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { Kinds } from '../model/kinds.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { refKey } from '../model/object-ref.ts';
import { closure, planQuiesce, selectRoots, virtualMachinesOf, withRevisionNames } from './export-selection.ts';

const vmRef = (name: string) => ({ ...Kinds.VirtualMachine, namespace: 'ns1', name });
const withPvc = (claimName: string) => ({ volumes: [{ name: 'disk', persistentVolumeClaim: { claimName } }] });

function vmiOf(name: string, phase: string, conditions: { type: string; status: string }[]): KubeObject {
  const owner = { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name, uid: `uid-${name}`, controller: true };
  return { ...makeVmi(name, {}, { ownerReferences: [owner] }), status: { phase, conditions } };
}

const objects: KubeObject[] = [
  makeVm('db', withPvc('db-disk'), {}, { uid: 'uid-db', labels: { app: 'db' } }),
  makeVm('web', withPvc('web-disk'), {}, { uid: 'uid-web' }),
  makeObject(Kinds.PersistentVolumeClaim, 'db-disk'),
  makeObject(Kinds.PersistentVolumeClaim, 'web-disk'),
  makeObject(Kinds.PersistentVolumeClaim, 'unrelated'),
  makeVmi('lonely'),
  makePool('pool', {}, {}, {}, { uid: 'uid-pool' }),
  makeVm('pool-0', {}, {}, { uid: 'uid-pool-0', ownerReferences: [{ apiVersion: 'pool.kubevirt.io/v1alpha1', kind: 'VirtualMachinePool', name: 'pool', uid: 'uid-pool', controller: true }] }),
];
const index = new ObjectIndex(objects.map((object) => ({ object })));
const graph = buildGraph(index);

describe('selectRoots', () => {
  it('selects every root without names: VMs, standalone VMIs, pools, but not the VMs a pool runs', () => {
    assert.deepEqual(
      selectRoots(graph, { names: [], namespace: 'ns1' }).map((r) => `${r.kind}/${r.name}`),
      ['VirtualMachine/db', 'VirtualMachine/web', 'VirtualMachineInstance/lonely', 'VirtualMachinePool/pool'],
    );
  });

  it('narrows to the labelled roots with -l', () => {
    const labelled = new Set([refKey(vmRef('db'))]);
    assert.deepEqual(selectRoots(graph, { names: [], namespace: 'ns1', labelled }), [vmRef('db')]);
  });

  it('selects by name, a pool member too, and names every unknown name', () => {
    assert.deepEqual(selectRoots(graph, { names: ['web', 'pool-0'], namespace: 'ns1' }), [vmRef('pool-0'), vmRef('web')]);
    assert.throws(() => selectRoots(graph, { names: ['web', 'ghost', 'gone'], namespace: 'ns1' }), (error: unknown) => {
      assert.ok(error instanceof ClusterError);
      assert.match(error.message, /"ghost", "gone"/);
      return true;
    });
    assert.throws(() => selectRoots(graph, { names: ['web'], namespace: 'other' }), ClusterError);
    assert.throws(() => selectRoots(graph, { names: ['web'], namespace: 'ns1', labelled: new Set() }), UsageError);
  });
});

describe('closure', () => {
  it('follows edges from the roots and leaves unrelated objects out', () => {
    const refs = closure(graph, [vmRef('db')]).map((r) => `${r.kind}/${r.name}`);
    assert.deepEqual(refs, ['PersistentVolumeClaim/db-disk', 'VirtualMachine/db']);
  });

  it('takes a pool with the VMs it runs, which virtualMachinesOf then lists', () => {
    const refs = closure(graph, [{ ...Kinds.VirtualMachinePool, namespace: 'ns1', name: 'pool' }]);
    assert.deepEqual(virtualMachinesOf(refs, index), [vmRef('pool-0')]);
  });
});

describe('planQuiesce', () => {
  const vms = ['agent', 'noagent', 'paused', 'stopped'].map(vmRef);
  const quiesceIndex = ObjectIndex.of([
    vmiOf('agent', 'Running', [{ type: 'AgentConnected', status: 'True' }]),
    vmiOf('noagent', 'Running', [{ type: 'AgentConnected', status: 'False' }]),
    vmiOf('paused', 'Running', [{ type: 'AgentConnected', status: 'True' }, { type: 'Paused', status: 'True' }]),
  ]);

  it('auto freezes only running, unpaused guests with a connected agent', () => {
    const plan = planQuiesce(quiesceIndex, vms, 'auto');
    assert.deepEqual(plan.map((d) => d.freeze?.name), ['agent', undefined, undefined, undefined]);
    assert.match(plan[1]?.reason ?? '', /crash-consistent/);
    assert.match(plan[3]?.reason ?? '', /not running/);
  });

  it('never freezes nothing', () => {
    assert.ok(planQuiesce(quiesceIndex, vms, 'never').every((d) => d.freeze === undefined));
  });

  it('always fails before any change when a running guest has no agent', () => {
    assert.throws(() => planQuiesce(quiesceIndex, vms, 'always'), (error: unknown) => {
      assert.ok(error instanceof ClusterError);
      assert.deepEqual(error.details, ['VirtualMachine.kubevirt.io ns1/noagent: running, but its guest agent is not connected (condition AgentConnected is not True)']);
      return true;
    });
    assert.equal(planQuiesce(quiesceIndex, [vmRef('agent'), vmRef('stopped')], 'always')[0]?.freeze?.name, 'agent');
  });
});

describe('withRevisionNames', () => {
  it('copies the revision names from status into spec, leaving the input alone', () => {
    const vm = {
      ...makeVm('vm', {}, { instancetype: { kind: 'VirtualMachineClusterInstancetype', name: 'u1.small' }, preference: { name: 'fedora', revisionName: 'kept' } }),
      status: {
        instancetypeRef: { controllerRevisionRef: { name: 'vm-u1.small-1' } },
        preferenceRef: { controllerRevisionRef: { name: 'vm-fedora-2' } },
      },
    } as KubeObject;
    const copy = withRevisionNames(vm);
    assert.deepEqual((copy.spec as { instancetype: unknown }).instancetype, { kind: 'VirtualMachineClusterInstancetype', name: 'u1.small', revisionName: 'vm-u1.small-1' });
    assert.deepEqual((copy.spec as { preference: unknown }).preference, { name: 'fedora', revisionName: 'kept' });
    assert.equal((vm.spec as { instancetype: { revisionName?: string } }).instancetype.revisionName, undefined);
    const plain = makeVm('plain');
    assert.equal(withRevisionNames(plain), plain);
  });
});

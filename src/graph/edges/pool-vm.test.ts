// Tests for the pool-vm edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeObject, makePool, makeVm, ownerRefTo } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './pool-vm.ts';

const selector = { selector: { matchLabels: { 'kubevirt.io/vmpool': 'pool' } } };
const pool = makePool('pool', {}, {}, selector, { uid: 'pool-uid' });
const poolLabels = { 'kubevirt.io/vmpool': 'pool' };
const vm = (name: string, reason: string) => ({ to: { ...Kinds.VirtualMachine, namespace: 'ns1', name }, reason, optional: true });

edgeTester.run(family, {
  valid: [
    { name: 'pool without VMs', object: pool },
    { name: 'unrelated VM', object: pool, others: [makeVm('vm')] },
    { name: 'matching VM in another namespace', object: pool, others: [makeVm('pool-0', {}, {}, { namespace: 'ns2', labels: poolLabels })] },
    {
      name: 'matching labels but controlled by another pool',
      object: pool,
      others: [makeVm('pool-0', {}, {}, { labels: poolLabels, ownerReferences: [ownerRefTo(makePool('other', {}, {}, {}, { uid: 'other-uid' }))] })],
    },
    { name: 'pool without a selector adopts nothing', object: makePool('pool', {}, {}, {}, { uid: 'pool-uid' }), others: [makeVm('pool-0', {}, {}, { labels: poolLabels })] },
  ],
  invalid: [
    {
      name: 'VMs owned by the pool',
      object: pool,
      others: [
        makeVm('pool-0', {}, {}, { labels: poolLabels, ownerReferences: [ownerRefTo(pool)] }),
        makeVm('pool-1', {}, {}, { ownerReferences: [ownerRefTo(pool)] }),
        makeObject(Kinds.ControllerRevision, 'pool-1', {}, { ownerReferences: [ownerRefTo(pool)] }),
      ],
      edges: [vm('pool-0', 'metadata.ownerReferences'), vm('pool-1', 'metadata.ownerReferences')],
    },
    {
      name: 'orphan VM the selector would adopt',
      object: pool,
      others: [makeVm('pool-2', {}, {}, { labels: { ...poolLabels, extra: 'x' } })],
      edges: [vm('pool-2', 'spec.selector.matchLabels')],
    },
    {
      name: 'owner reference by name when the pool has no uid',
      object: makePool('pool', {}, {}, {}),
      others: [makeVm('pool-0', {}, {}, { ownerReferences: [{ apiVersion: 'pool.kubevirt.io/v1alpha1', kind: 'VirtualMachinePool', name: 'pool', uid: 'u', controller: true }] })],
      edges: [vm('pool-0', 'metadata.ownerReferences')],
    },
  ],
});

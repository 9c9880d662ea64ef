// Tests for the vmirs-vmi edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeObject, makeReplicaSet, makeVmi, ownerRefTo } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './vmirs-vmi.ts';

const rs = makeReplicaSet('vmirs1', {}, { uid: 'rs-uid' });
const member = (name: string, metadata = {}) => makeVmi(name, {}, { labels: { 'kubevirt.io/vmReplicaSet': 'vmirs1' }, ...metadata });
const vmi = (name: string, reason: string) => ({ to: { ...Kinds.VirtualMachineInstance, namespace: 'ns1', name }, reason, optional: true });

edgeTester.run(family, {
  valid: [
    { name: 'replica set scaled to zero', object: rs },
    { name: 'VMIs of another replica set', object: rs, others: [makeVmi('x', {}, { labels: { 'kubevirt.io/vmReplicaSet': 'other' } })] },
    { name: 'labelled VMI in another namespace', object: rs, others: [member('vmirs1abcd1', { namespace: 'ns2' })] },
    { name: 'labelled Pod is not a VMI', object: rs, others: [makeObject(Kinds.Pod, 'p', {}, { labels: { 'kubevirt.io/vmReplicaSet': 'vmirs1' } })] },
  ],
  invalid: [
    {
      name: 'VMIs found by label (the guide)',
      object: rs,
      others: [member('vmirs1xxxx1'), member('vmirs1xxxx2')],
      edges: [vmi('vmirs1xxxx1', 'label kubevirt.io/vmReplicaSet=vmirs1'), vmi('vmirs1xxxx2', 'label kubevirt.io/vmReplicaSet=vmirs1')],
    },
    {
      name: 'a VMI both labelled and owned gets one edge, by label',
      object: rs,
      others: [member('vmirs1xxxx1', { ownerReferences: [ownerRefTo(rs)] })],
      edges: [vmi('vmirs1xxxx1', 'label kubevirt.io/vmReplicaSet=vmirs1')],
    },
    {
      name: 'VMI owned by uid whose label was removed',
      object: rs,
      others: [makeVmi('vmirs1xxxx3', {}, { ownerReferences: [ownerRefTo(rs)] })],
      edges: [vmi('vmirs1xxxx3', 'metadata.ownerReferences')],
    },
  ],
});

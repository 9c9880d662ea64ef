// Tests for the vm-vmi edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeObject, makeVm, makeVmi, ownerRefTo } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './vm-vmi.ts';

const vm = makeVm('vm1', {}, {}, { uid: 'vm-uid' });
const vmiEdge = { to: { ...Kinds.VirtualMachineInstance, namespace: 'ns1', name: 'vm1' }, reason: 'VirtualMachineInstance of the same name', optional: true };
const replicaSet = makeObject(Kinds.VirtualMachineInstanceReplicaSet, 'rs', {}, { uid: 'rs-uid' });

edgeTester.run(family, {
  valid: [
    { name: 'stopped VM: no VMI in the input', object: vm },
    { name: 'VMI of another name', object: vm, others: [makeVmi('vm2', {}, { ownerReferences: [ownerRefTo(vm)] })] },
    { name: 'VMI of the same name in another namespace', object: vm, others: [makeVmi('vm1', {}, { namespace: 'ns2' })] },
    { name: 'same-name VMI controlled by something else', object: vm, others: [makeVmi('vm1', {}, { ownerReferences: [ownerRefTo(replicaSet)] })] },
    {
      name: 'same-name VMI owned by an earlier VM of that name (other uid)',
      object: vm,
      others: [makeVmi('vm1', {}, { ownerReferences: [{ ...ownerRefTo(vm), uid: 'old-uid' }] })],
    },
  ],
  invalid: [
    { name: 'VMI owned by the VM', object: vm, others: [makeVmi('vm1', {}, { ownerReferences: [ownerRefTo(vm)] })], edges: [vmiEdge] },
    { name: 'same-name VMI without owner references (sanitised input)', object: vm, others: [makeVmi('vm1')], edges: [vmiEdge] },
    {
      name: 'owner reference by name when the VM has no uid',
      object: makeVm('vm1'),
      others: [makeVmi('vm1', {}, { ownerReferences: [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name: 'vm1', uid: 'x', controller: true }] })],
      edges: [vmiEdge],
    },
  ],
});

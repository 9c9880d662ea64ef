// Tests for drop-owned-vmis.

import { ruleTester } from '../rule-tester.ts';
import { ownedBy, pool, vm, vmi, vmirs } from '../test-fixtures.ts';
import rule from './drop-owned-vmis.ts';

ruleTester.run(rule, {
  valid: [
    { name: 'standalone VMI without runtime labels', object: vmi('v', {}, { labels: { app: 'web' } }) },
    { name: 'VM without owner', object: vm('vm1') },
    {
      name: 'VMI owned by something that does not recreate it',
      object: vmi('v', {}, { ownerReferences: ownedBy('example.com/v1', 'Operator', 'op') }),
    },
    {
      name: 'VM owned by a non-pool kind',
      object: vm('vm1', {}, { ownerReferences: ownedBy('example.com/v1', 'VirtualMachinePool', 'p') }),
    },
  ],
  invalid: [
    {
      name: 'VMI owned by a VM in the input',
      object: vmi('vm1', {}, { ownerReferences: ownedBy('kubevirt.io/v1', 'VirtualMachine', 'vm1') }),
      others: [vm('vm1')],
      drop: 'owned by VirtualMachine.kubevirt.io ns1/vm1, which recreates it',
    },
    {
      name: 'VMI owned by a VM missing from the input',
      object: vmi('vm1', {}, { ownerReferences: ownedBy('kubevirt.io/v1alpha3', 'VirtualMachine', 'vm1') }),
      drop: 'owned by VirtualMachine.kubevirt.io ns1/vm1, which is not in the input, so nothing recreates it',
    },
    {
      name: 'VMI owned by a replica set',
      object: vmi('rs-abc', {}, { ownerReferences: ownedBy('kubevirt.io/v1', 'VirtualMachineInstanceReplicaSet', 'rs') }),
      others: [vmirs('rs')],
      drop: 'owned by VirtualMachineInstanceReplicaSet.kubevirt.io ns1/rs, which recreates it',
    },
    {
      name: 'VM owned by a pool',
      object: vm('p-0', {}, { ownerReferences: ownedBy('pool.kubevirt.io/v1alpha1', 'VirtualMachinePool', 'p') }),
      others: [pool('p')],
      drop: 'owned by VirtualMachinePool.pool.kubevirt.io ns1/p, which recreates it',
    },
    {
      name: 'standalone VMI loses every restricted label and keeps the others',
      object: vmi('v', {}, {
        labels: {
          app: 'web',
          'kubevirt.io/created-by': 'x',
          'kubevirt.io/migrationJobUID': 'm',
          'kubevirt.io/nodeName': 'node1',
          'kubevirt.io/migrationTargetNodeName': 'node2',
          'kubevirt.io/schedulable': 'true',
          'kubevirt.io/install-strategy': 's',
        },
      }),
      ops: [
        { op: 'remove', path: '/metadata/labels/kubevirt.io~1created-by', old: 'x' },
        { op: 'remove', path: '/metadata/labels/kubevirt.io~1migrationJobUID', old: 'm' },
        { op: 'remove', path: '/metadata/labels/kubevirt.io~1nodeName', old: 'node1' },
        { op: 'remove', path: '/metadata/labels/kubevirt.io~1migrationTargetNodeName', old: 'node2' },
        { op: 'remove', path: '/metadata/labels/kubevirt.io~1schedulable', old: 'true' },
        { op: 'remove', path: '/metadata/labels/kubevirt.io~1install-strategy', old: 's' },
      ],
      output: vmi('v', {}, { labels: { app: 'web' } }),
    },
    {
      name: 'standalone VMI with only the node label',
      object: vmi('v', {}, { labels: { 'kubevirt.io/nodeName': 'node1' } }),
      ops: [{ op: 'remove', path: '/metadata/labels/kubevirt.io~1nodeName', old: 'node1' }],
      output: vmi('v', {}, { labels: {} }),
    },
  ],
});

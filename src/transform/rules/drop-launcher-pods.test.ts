// Tests for drop-launcher-pods.

import { ruleTester } from '../rule-tester.ts';
import { ownedBy, pod } from '../test-fixtures.ts';
import rule from './drop-launcher-pods.ts';

ruleTester.run(rule, {
  valid: [
    { name: 'an ordinary Pod', object: pod('web', { labels: { app: 'web' } }) },
    { name: 'another kubevirt.io role', object: pod('virt-handler-x', { labels: { 'kubevirt.io': 'virt-handler' } }) },
    { name: 'a Pod owned by a ReplicaSet', object: pod('web-1', { ownerReferences: ownedBy('apps/v1', 'ReplicaSet', 'web') }) },
  ],
  invalid: [
    {
      name: 'launcher Pod owned by its VMI',
      object: pod('virt-launcher-vm1-abcde', { ownerReferences: ownedBy('kubevirt.io/v1', 'VirtualMachineInstance', 'vm1') }),
      drop: 'virt-launcher Pod owned by VirtualMachineInstance.kubevirt.io ns1/vm1, which KubeVirt recreates',
    },
    {
      name: 'launcher Pod known only by its label',
      object: pod('virt-launcher-vm1-abcde', { labels: { 'kubevirt.io': 'virt-launcher' } }),
      drop: 'virt-launcher Pod (label kubevirt.io=virt-launcher), which KubeVirt recreates',
    },
    {
      name: 'hotplug-disk attachment Pod',
      object: pod('hp-volume-xyz', {
        labels: { 'kubevirt.io': 'hotplug-disk' },
        ownerReferences: ownedBy('v1', 'Pod', 'virt-launcher-vm1-abcde'),
      }),
      drop: 'hotplug-disk Pod (label kubevirt.io=hotplug-disk), which KubeVirt recreates',
    },
  ],
});

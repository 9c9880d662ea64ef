// Tests for the vm-preference edge family.

import { Kinds } from '../../model/kinds.ts';
import { makePool, makeVm } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './vm-preference.ts';

edgeTester.run(family, {
  valid: [
    { name: 'VM without a preference', object: makeVm('vm') },
    { name: 'instancetype only', object: makeVm('vm', {}, { instancetype: { kind: 'VirtualMachineInstancetype', name: 'small' } }) },
    { name: 'preference kind KubeVirt rejects', object: makeVm('vm', {}, { preference: { kind: 'VirtualMachineInstancetype', name: 'x' } }) },
  ],
  invalid: [
    {
      name: 'namespaced VirtualMachinePreference',
      object: makeVm('vm', {}, { preference: { kind: 'VirtualMachinePreference', name: 'windows' } }),
      edges: [{ to: { ...Kinds.VirtualMachinePreference, namespace: 'ns1', name: 'windows' }, reason: 'spec.preference.name', optional: false }],
    },
    {
      name: 'lower-case kind',
      object: makeVm('vm', {}, { preference: { kind: 'virtualmachinepreference', name: 'windows' } }),
      edges: [{ to: { ...Kinds.VirtualMachinePreference, namespace: 'ns1', name: 'windows' }, reason: 'spec.preference.name', optional: false }],
    },
    {
      name: 'cluster-scoped preference is optional',
      object: makeVm('vm', {}, { preference: { kind: 'VirtualMachineClusterPreference', name: 'fedora' } }),
      edges: [{ to: { ...Kinds.VirtualMachineClusterPreference, namespace: '', name: 'fedora' }, reason: 'spec.preference.name', optional: true }],
    },
    {
      name: 'no kind means the cluster-scoped kind',
      object: makeVm('vm', {}, { preference: { name: 'fedora' } }),
      edges: [{ to: { ...Kinds.VirtualMachineClusterPreference, namespace: '', name: 'fedora' }, reason: 'spec.preference.name', optional: true }],
    },
    {
      name: 'pool template',
      object: makePool('pool', {}, { preference: { kind: 'VirtualMachinePreference', name: 'windows' } }),
      edges: [
        {
          to: { ...Kinds.VirtualMachinePreference, namespace: 'ns1', name: 'windows' },
          reason: 'spec.virtualMachineTemplate.spec.preference.name',
          optional: false,
        },
      ],
    },
  ],
});

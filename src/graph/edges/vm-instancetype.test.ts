// Tests for the vm-instancetype edge family.

import { Kinds } from '../../model/kinds.ts';
import { makePool, makeVm } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './vm-instancetype.ts';

const namespaced = (name: string, reason = 'spec.instancetype.name') => ({
  to: { ...Kinds.VirtualMachineInstancetype, namespace: 'ns1', name },
  reason,
  optional: false,
});
const cluster = (name: string) => ({
  to: { ...Kinds.VirtualMachineClusterInstancetype, namespace: '', name },
  reason: 'spec.instancetype.name',
  optional: true,
});

edgeTester.run(family, {
  valid: [
    { name: 'VM without an instancetype', object: makeVm('vm') },
    { name: 'matcher without a name (inferFromVolume not resolved yet)', object: makeVm('vm', {}, { instancetype: { inferFromVolume: 'disk' } }) },
    { name: 'kind KubeVirt rejects', object: makeVm('vm', {}, { instancetype: { kind: 'Flavor', name: 'small' } }) },
    { name: 'pool without an instancetype', object: makePool('pool') },
  ],
  invalid: [
    {
      name: 'namespaced VirtualMachineInstancetype',
      object: makeVm('vm', {}, { instancetype: { kind: 'VirtualMachineInstancetype', name: 'small' } }),
      edges: [namespaced('small')],
    },
    {
      name: 'lower-case singular kind, as in the peer manifests',
      object: makeVm('vm', {}, { instancetype: { kind: 'virtualmachineinstancetype', name: 'small' } }),
      edges: [namespaced('small')],
    },
    {
      name: 'plural resource name as kind',
      object: makeVm('vm', {}, { instancetype: { kind: 'virtualmachineinstancetypes', name: 'small' } }),
      edges: [namespaced('small')],
    },
    {
      name: 'cluster-scoped kind is optional',
      object: makeVm('vm', {}, { instancetype: { kind: 'VirtualMachineClusterInstancetype', name: 'u1.small' } }),
      edges: [cluster('u1.small')],
    },
    {
      name: 'no kind means the cluster-scoped kind',
      object: makeVm('vm', {}, { instancetype: { name: 'u1.small' } }),
      edges: [cluster('u1.small')],
    },
    {
      name: 'revisionName does not change the instancetype edge',
      object: makeVm('vm', {}, { instancetype: { kind: 'VirtualMachineInstancetype', name: 'small', revisionName: 'vm-small-1' } }),
      edges: [namespaced('small')],
    },
    {
      name: 'pool template',
      object: makePool('pool', {}, { instancetype: { kind: 'VirtualMachineInstancetype', name: 'small' } }),
      edges: [namespaced('small', 'spec.virtualMachineTemplate.spec.instancetype.name')],
    },
  ],
});

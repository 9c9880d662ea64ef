// Tests for the volume-datavolume edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeObject, makePool, makeReplicaSet, makeVm, makeVmi, ownerRefTo } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './volume-datavolume.ts';

const dvVolume = (name: string, extra = {}) => ({ name: 'disk', dataVolume: { name, ...extra } });
const pair = (name: string, reason: string, dvOptional = false) => [
  { to: { ...Kinds.DataVolume, namespace: 'ns1', name }, reason, optional: dvOptional },
  { to: { ...Kinds.PersistentVolumeClaim, namespace: 'ns1', name }, reason, optional: true },
];
const vmWithTemplate = makeVm('vm1', { volumes: [dvVolume('root')] }, { dataVolumeTemplates: [{ metadata: { name: 'root' } }] }, { uid: 'vm-uid' });
const vmPath = (i: number) => `spec.template.spec.volumes[${i}].dataVolume.name`;

edgeTester.run(family, {
  valid: [
    { name: 'no volumes', object: makeVm('vm') },
    { name: 'PVC volume only', object: makeVm('vm', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'x' } }] }) },
    { name: 'dataVolume without a name', object: makeVmi('vmi', { volumes: [{ name: 'd', dataVolume: {} }] }) },
    {
      name: 'pool volume naming a dataVolumeTemplate (indexed per VM)',
      object: makePool('pool', { volumes: [dvVolume('root')] }, { dataVolumeTemplates: [{ metadata: { name: 'root' } }] }),
    },
  ],
  invalid: [
    {
      name: 'DataVolume garbage-collected by CDI: its claim alone satisfies the volume, and is required',
      object: makeVm('vm1', { volumes: [dvVolume('dv1')] }),
      others: [makeObject(Kinds.PersistentVolumeClaim, 'dv1')],
      edges: [
        { to: { ...Kinds.DataVolume, namespace: 'ns1', name: 'dv1' }, reason: vmPath(0), optional: true },
        { to: { ...Kinds.PersistentVolumeClaim, namespace: 'ns1', name: 'dv1' }, reason: vmPath(0), optional: false },
      ],
    },
    {
      name: 'claim and DataVolume both present: the DataVolume is required as before',
      object: makeVm('vm1', { volumes: [dvVolume('dv1')] }),
      others: [makeObject(Kinds.PersistentVolumeClaim, 'dv1'), makeObject(Kinds.DataVolume, 'dv1')],
      edges: pair('dv1', vmPath(0)),
    },
    { name: 'VM with a DataVolume volume (the guide)', object: makeVm('vm1', { volumes: [dvVolume('dv1')] }), edges: pair('dv1', vmPath(0)) },
    {
      name: 'DataVolume present in the input changes nothing',
      object: makeVm('vm1', { volumes: [dvVolume('dv1')] }),
      others: [makeObject(Kinds.DataVolume, 'dv1'), makeObject(Kinds.PersistentVolumeClaim, 'dv1')],
      edges: pair('dv1', vmPath(0)),
    },
    {
      name: 'DataVolume and template (vm_with_dv_and_dvtemplate): the template one is optional',
      object: makeVm('vm1', { volumes: [dvVolume('test-dv'), dvVolume('test-dv-template')] }, { dataVolumeTemplates: [{ metadata: { name: 'test-dv-template' } }] }),
      edges: [...pair('test-dv', vmPath(0)), ...pair('test-dv-template', vmPath(1), true)],
    },
    {
      name: 'hotplugged DataVolume (virtctl addvolume)',
      object: makeVm('vm1', { volumes: [dvVolume('test-dv', { hotpluggable: true })] }),
      edges: pair('test-dv', vmPath(0)),
    },
    {
      name: "VMI of a VM in the input: the VM's template DataVolume is optional",
      object: makeVmi('vm1', { volumes: [dvVolume('root')] }, { ownerReferences: [ownerRefTo(vmWithTemplate)] }),
      others: [vmWithTemplate],
      edges: pair('root', 'spec.volumes[0].dataVolume.name', true),
    },
    {
      name: 'VMI of a VM that is not in the input: required',
      object: makeVmi('vm1', { volumes: [dvVolume('root')] }, { ownerReferences: [ownerRefTo(vmWithTemplate)] }),
      edges: pair('root', 'spec.volumes[0].dataVolume.name'),
    },
    { name: 'standalone VMI', object: makeVmi('vmi', { volumes: [dvVolume('test-dv')] }), edges: pair('test-dv', 'spec.volumes[0].dataVolume.name') },
    { name: 'replica set', object: makeReplicaSet('rs', { volumes: [dvVolume('shared')] }), edges: pair('shared', vmPath(0)) },
    {
      name: 'pool volume naming a shared DataVolume',
      object: makePool('pool', { volumes: [dvVolume('shared')] }),
      edges: pair('shared', 'spec.virtualMachineTemplate.spec.template.spec.volumes[0].dataVolume.name'),
    },
  ],
});

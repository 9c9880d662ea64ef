// Tests for the volume-pvc edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeObject, makePool, makeReplicaSet, makeVm, makeVmi, ownerRefTo } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './volume-pvc.ts';

const claimVolume = (claimName: string, extra = {}) => ({ name: 'disk', persistentVolumeClaim: { claimName, ...extra } });
const pvc = (name: string, reason: string, optional = false) => ({
  to: { ...Kinds.PersistentVolumeClaim, namespace: 'ns1', name },
  reason,
  optional,
});
const dv = (name: string, reason: string) => ({ to: { ...Kinds.DataVolume, namespace: 'ns1', name }, reason, optional: true });
const vmWithTemplate = makeVm('vm1', {}, { dataVolumeTemplates: [{ metadata: { name: 'root' } }] }, { uid: 'vm-uid' });
const vmPath = 'spec.template.spec.volumes[0].persistentVolumeClaim.claimName';

edgeTester.run(family, {
  valid: [
    { name: 'no volumes', object: makeVm('vm') },
    { name: 'containerDisk and cloud-init volumes', object: makeVm('vm', { volumes: [{ name: 'c', containerDisk: { image: 'x' } }, { name: 'ci', cloudInitNoCloud: { userData: 'x' } }] }) },
    { name: 'claim without a name', object: makeVm('vm', { volumes: [{ name: 'disk', persistentVolumeClaim: {} }] }) },
    {
      name: 'pool claim named after a dataVolumeTemplate (each VM gets its own copy)',
      object: makePool('pool', { volumes: [claimVolume('root')] }, { dataVolumeTemplates: [{ metadata: { name: 'root' } }] }),
    },
  ],
  invalid: [
    { name: 'VM with a PVC volume (the guide)', object: makeVm('vm1', { volumes: [claimVolume('pvc1')] }), edges: [pvc('pvc1', vmPath)] },
    {
      name: 'the DataVolume of the same name is drawn when present, optional',
      object: makeVm('vm1', { volumes: [claimVolume('pvc1')] }),
      others: [makeObject(Kinds.DataVolume, 'pvc1')],
      edges: [pvc('pvc1', vmPath), dv('pvc1', vmPath)],
    },
    {
      name: 'a same-name DataVolume in another namespace is not drawn',
      object: makeVm('vm1', { volumes: [claimVolume('pvc1')] }),
      others: [makeObject(Kinds.DataVolume, 'pvc1', {}, { namespace: 'ns2' })],
      edges: [pvc('pvc1', vmPath)],
    },
    {
      name: 'hotplugged PVC volume',
      object: makeVm('vm1', { volumes: [{ name: 'boot', containerDisk: { image: 'x' } }, claimVolume('hp', { hotpluggable: true })] }),
      edges: [pvc('hp', 'spec.template.spec.volumes[1].persistentVolumeClaim.claimName')],
    },
    {
      name: "claim named after the VM's own dataVolumeTemplate is optional",
      object: makeVm('vm1', { volumes: [claimVolume('root')] }, { dataVolumeTemplates: [{ metadata: { name: 'root' } }] }),
      edges: [pvc('root', vmPath, true)],
    },
    {
      name: "VMI run by a VM whose dataVolumeTemplate names the claim: optional",
      object: makeVmi('vm1', { volumes: [claimVolume('root')] }, { ownerReferences: [ownerRefTo(vmWithTemplate)] }),
      others: [vmWithTemplate],
      edges: [pvc('root', 'spec.volumes[0].persistentVolumeClaim.claimName', true)],
    },
    {
      name: 'ephemeral volume backed by a PVC',
      object: makeVmi('vmi', { volumes: [{ name: 'e', ephemeral: { persistentVolumeClaim: { claimName: 'golden' } } }] }),
      edges: [pvc('golden', 'spec.volumes[0].ephemeral.persistentVolumeClaim.claimName')],
    },
    {
      name: 'VMI volume',
      object: makeVmi('vmi', { volumes: [claimVolume('pvc1')] }),
      edges: [pvc('pvc1', 'spec.volumes[0].persistentVolumeClaim.claimName')],
    },
    {
      name: 'replica set volume',
      object: makeReplicaSet('rs', { volumes: [claimVolume('shared')] }),
      edges: [pvc('shared', vmPath)],
    },
    {
      name: 'pool volume shared by every VM',
      object: makePool('pool', { volumes: [claimVolume('shared')] }),
      edges: [pvc('shared', 'spec.virtualMachineTemplate.spec.template.spec.volumes[0].persistentVolumeClaim.claimName')],
    },
  ],
});

// Tests for the backend-storage-pvc edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeObject, makeVm, makeVmi } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './backend-storage-pvc.ts';

const tpm = { domain: { devices: { tpm: { persistent: true } } } };
const efi = { domain: { firmware: { bootloader: { efi: { persistent: true, secureBoot: true } } } } };
const labelled = (name: string, owner: string, namespace = 'ns1') =>
  makeObject(Kinds.PersistentVolumeClaim, name, {}, { namespace, labels: { 'persistent-state-for': owner } });
const pvc = (name: string, reason: string, optional = false) => ({ to: { ...Kinds.PersistentVolumeClaim, namespace: 'ns1', name }, reason, optional });

edgeTester.run(family, {
  valid: [
    { name: 'no TPM or EFI', object: makeVm('vm'), others: [labelled('persistent-state-for-vm-abcde', 'vm')] },
    { name: 'non-persistent TPM', object: makeVm('vm', { domain: { devices: { tpm: {} } } }) },
    { name: 'non-persistent EFI', object: makeVmi('vmi', { domain: { firmware: { bootloader: { efi: { persistent: false } } } } }) },
  ],
  invalid: [
    {
      name: 'persistent TPM: PVC found by label',
      object: makeVm('vm', tpm),
      others: [labelled('persistent-state-for-vm-abcde', 'vm'), labelled('other', 'vm2'), labelled('elsewhere', 'vm', 'ns2')],
      edges: [pvc('persistent-state-for-vm-abcde', 'label persistent-state-for=vm')],
    },
    {
      name: 'a labelled object that is not a PVC does not count',
      object: makeVm('vm', efi),
      others: [makeObject(Kinds.ConfigMap, 'x', {}, { labels: { 'persistent-state-for': 'vm' } })],
      edges: [pvc('persistent-state-for-vm', 'fallback name persistent-state-for-vm', true)],
    },
    {
      name: 'persistent EFI without a labelled PVC: optional fallback name',
      object: makeVm('vm', efi),
      edges: [pvc('persistent-state-for-vm', 'fallback name persistent-state-for-vm', true)],
    },
    {
      name: 'VMI uses its own name',
      object: makeVmi('vm', tpm),
      others: [labelled('persistent-state-for-vm-abcde', 'vm')],
      edges: [pvc('persistent-state-for-vm-abcde', 'label persistent-state-for=vm')],
    },
  ],
});

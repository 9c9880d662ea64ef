// Tests for annotate-cdi-populated.

import { ruleTester } from '../rule-tester.ts';
import { dv, ownedBy, pvc } from '../test-fixtures.ts';
import rule from './annotate-cdi-populated.ts';

const succeeded = { status: { phase: 'Succeeded' } };
const ownedByDv = (name: string) => ownedBy('cdi.kubevirt.io/v1beta1', 'DataVolume', name);

ruleTester.run(rule, {
  valid: [
    {
      name: 'claim of a DataVolume missing from the input, no CDI record of completion: left as it is, with a warning',
      object: pvc('d', {}, { ownerReferences: ownedByDv('d') }),
      warnings: [
        "its DataVolume DataVolume.cdi.kubevirt.io ns1/d is not in the input and CDI did not record that the claim's population completed; left as it is",
      ],
    },
    {
      name: 'claim of a DataVolume missing from the input whose import pod is still running: left as it is',
      object: pvc('d', {}, { ownerReferences: ownedByDv('d'), annotations: { 'cdi.kubevirt.io/storage.pod.phase': 'Running' } }),
      warnings: [
        "its DataVolume DataVolume.cdi.kubevirt.io ns1/d is not in the input and CDI did not record that the claim's population completed; left as it is",
      ],
    },
    {
      name: 'claim CDI garbage collection detached from its DataVolume (owned by the VM now): nothing to do, KubeVirt adopts it',
      object: pvc('d', {}, { ownerReferences: ownedBy('kubevirt.io/v1', 'VirtualMachine', 'vm1'), annotations: { 'cdi.kubevirt.io/storage.pod.phase': 'Succeeded' } }),
    },
    { name: 'DataVolume still importing', object: dv('d', {}, {}, { status: { phase: 'ImportInProgress' } }) },
    { name: 'DataVolume without status', object: dv('d') },
    {
      name: 'Succeeded DataVolume already annotated',
      object: dv('d', {}, { annotations: { 'cdi.kubevirt.io/storage.prePopulated': 'd' } }, succeeded),
    },
    { name: 'claim without owner', object: pvc('data') },
    { name: 'claim owned by something else', object: pvc('data', {}, { ownerReferences: ownedBy('apps/v1', 'StatefulSet', 's') }) },
    {
      name: 'claim of a Succeeded DataVolume already annotated',
      object: pvc('d', {}, { ownerReferences: ownedByDv('d'), annotations: { 'cdi.kubevirt.io/storage.populatedFor': 'd' } }),
      others: [dv('d', {}, {}, succeeded)],
    },
  ],
  invalid: [
    {
      name: 'Succeeded DataVolume without annotations',
      object: dv('d', {}, {}, succeeded),
      ops: [{ op: 'add', path: '/metadata/annotations/cdi.kubevirt.io~1storage.prePopulated', new: 'd' }],
      output: dv('d', {}, { annotations: { 'cdi.kubevirt.io/storage.prePopulated': 'd' } }, succeeded),
    },
    {
      name: 'Succeeded DataVolume with a stale annotation value',
      object: dv('d', {}, { annotations: { a: 'b', 'cdi.kubevirt.io/storage.prePopulated': 'other' } }, succeeded),
      ops: [{ op: 'replace', path: '/metadata/annotations/cdi.kubevirt.io~1storage.prePopulated', old: 'other', new: 'd' }],
      output: dv('d', {}, { annotations: { a: 'b', 'cdi.kubevirt.io/storage.prePopulated': 'd' } }, succeeded),
    },
    {
      name: 'claim of a Succeeded DataVolume',
      object: pvc('d', {}, { ownerReferences: ownedByDv('d'), annotations: { x: 'y' } }),
      others: [dv('d', {}, {}, succeeded)],
      ops: [{ op: 'add', path: '/metadata/annotations/cdi.kubevirt.io~1storage.populatedFor', new: 'd' }],
      output: pvc('d', {}, { ownerReferences: ownedByDv('d'), annotations: { x: 'y', 'cdi.kubevirt.io/storage.populatedFor': 'd' } }),
    },
    {
      name: 'claim of a DataVolume that failed is dropped',
      object: pvc('d', {}, { ownerReferences: ownedByDv('d') }),
      others: [dv('d', {}, {}, { status: { phase: 'Failed' } })],
      drop: 'its DataVolume DataVolume.cdi.kubevirt.io ns1/d is in phase Failed, not Succeeded, so CDI populates the claim again',
    },
    {
      name: 'claim of a DataVolume missing from the input, CDI recorded its import Succeeded: annotated and reported',
      object: pvc('d', {}, { ownerReferences: ownedByDv('d'), annotations: { 'cdi.kubevirt.io/storage.pod.phase': 'Succeeded' } }),
      ops: [{ op: 'add', path: '/metadata/annotations/cdi.kubevirt.io~1storage.populatedFor', new: 'd' }],
      output: pvc('d', {}, {
        ownerReferences: ownedByDv('d'),
        annotations: { 'cdi.kubevirt.io/storage.pod.phase': 'Succeeded', 'cdi.kubevirt.io/storage.populatedFor': 'd' },
      }),
      warnings: ['its DataVolume DataVolume.cdi.kubevirt.io ns1/d is not in the input; marked the claim populated, as CDI recorded (cdi.kubevirt.io/storage.pod.phase: Succeeded)'],
    },
    {
      name: 'claim of a DataVolume missing from the input, CDI recorded the clone complete: annotated',
      object: pvc('d', {}, { ownerReferences: ownedByDv('d'), annotations: { 'k8s.io/CloneOf': 'true' } }),
      ops: [{ op: 'add', path: '/metadata/annotations/cdi.kubevirt.io~1storage.populatedFor', new: 'd' }],
      output: pvc('d', {}, { ownerReferences: ownedByDv('d'), annotations: { 'k8s.io/CloneOf': 'true', 'cdi.kubevirt.io/storage.populatedFor': 'd' } }),
      warnings: ['its DataVolume DataVolume.cdi.kubevirt.io ns1/d is not in the input; marked the claim populated, as CDI recorded (k8s.io/CloneOf: true)'],
    },
    {
      name: 'claim of a DataVolume without phase is kept and reported',
      object: pvc('d', {}, { ownerReferences: ownedByDv('d') }),
      others: [dv('d')],
      ops: [{ op: 'add', path: '/metadata/annotations/cdi.kubevirt.io~1storage.populatedFor', new: 'd' }],
      output: pvc('d', {}, { ownerReferences: ownedByDv('d'), annotations: { 'cdi.kubevirt.io/storage.populatedFor': 'd' } }),
      warnings: ['its DataVolume DataVolume.cdi.kubevirt.io ns1/d has no phase; kept the claim and marked it populated'],
    },
  ],
});

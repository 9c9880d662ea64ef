// Tests for the vmi-launcher-pod edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeObject, makeVmi } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './vmi-launcher-pod.ts';

const vmi = makeVmi('vmi1', {}, { uid: 'vmi-uid' });
const launcher = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}, namespace = 'ns1') =>
  makeObject(Kinds.Pod, name, {}, { namespace, labels, annotations });
const pod = (name: string, reason: string) => ({ to: { ...Kinds.Pod, namespace: 'ns1', name }, reason, optional: true });

edgeTester.run(family, {
  valid: [
    { name: 'no Pods in the input', object: vmi },
    {
      name: 'launcher of another VMI',
      object: vmi,
      others: [launcher('virt-launcher-vmi2-abcde', { 'kubevirt.io': 'virt-launcher', 'kubevirt.io/created-by': 'other-uid' }, { 'kubevirt.io/domain': 'vmi2' })],
    },
    {
      name: 'matching label in another namespace',
      object: vmi,
      others: [launcher('virt-launcher-vmi1-abcde', { 'kubevirt.io/created-by': 'vmi-uid' }, {}, 'ns2')],
    },
    {
      name: 'a non-Pod carrying the label',
      object: vmi,
      others: [makeObject(Kinds.Secret, 'x', {}, { labels: { 'kubevirt.io/created-by': 'vmi-uid' } })],
    },
  ],
  invalid: [
    {
      name: 'launcher found by kubevirt.io/created-by (the guide)',
      object: vmi,
      others: [launcher('virt-launcher-vmi1-abcde', { 'kubevirt.io': 'virt-launcher', 'kubevirt.io/created-by': 'vmi-uid' })],
      edges: [pod('virt-launcher-vmi1-abcde', 'label kubevirt.io/created-by=vmi-uid')],
    },
    {
      name: 'old and new launcher during a migration',
      object: vmi,
      others: [
        launcher('virt-launcher-vmi1-aaaaa', { 'kubevirt.io/created-by': 'vmi-uid' }),
        launcher('virt-launcher-vmi1-bbbbb', { 'kubevirt.io/created-by': 'vmi-uid' }),
      ],
      edges: [
        pod('virt-launcher-vmi1-aaaaa', 'label kubevirt.io/created-by=vmi-uid'),
        pod('virt-launcher-vmi1-bbbbb', 'label kubevirt.io/created-by=vmi-uid'),
      ],
    },
    {
      name: 'input without uids: launcher found by domain annotation',
      object: makeVmi('vmi1'),
      others: [
        launcher('virt-launcher-vmi1-abcde', { 'kubevirt.io': 'virt-launcher' }, { 'kubevirt.io/domain': 'vmi1' }),
        launcher('hp-volume-xyz', { 'kubevirt.io': 'hotplug-disk' }, { 'kubevirt.io/domain': 'vmi1' }),
      ],
      edges: [pod('virt-launcher-vmi1-abcde', 'label kubevirt.io=virt-launcher, annotation kubevirt.io/domain=vmi1')],
    },
  ],
});

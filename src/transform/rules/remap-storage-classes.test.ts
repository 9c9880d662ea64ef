// Tests for remap-storage-classes.

import { ruleTester } from '../rule-tester.ts';
import { dv, pool, pvc, vm } from '../test-fixtures.ts';
import type { JsonObject } from '../../model/kube-object.ts';
import rule from './remap-storage-classes.ts';

const map = { storageClassMap: { ceph: 'gp3', 'local.path': 'standard' } };
const template = (api: 'pvc' | 'storage', storageClassName?: string): JsonObject => ({
  metadata: { name: `t-${api}` },
  spec: { [api]: storageClassName ? { storageClassName, resources: {} } : { resources: {} }, source: { blank: {} } },
});

ruleTester.run(rule, {
  valid: [
    { name: 'no map given', object: pvc('p', { storageClassName: 'ceph' }) },
    { name: 'class not in the map', object: pvc('p', { storageClassName: 'other' }), options: map },
    { name: 'claim using the default class: nothing invented', object: pvc('p', { resources: {} }), options: map },
    { name: 'DataVolume without a class', object: dv('d', { storage: {} }), options: map },
    { name: 'VM without dataVolumeTemplates', object: vm('vm1', { runStrategy: 'Always' }), options: map },
  ],
  invalid: [
    {
      name: 'claim spec and legacy annotation',
      object: pvc('p', { storageClassName: 'ceph' }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'local.path' } }),
      options: map,
      ops: [
        { op: 'replace', path: '/spec/storageClassName', old: 'ceph', new: 'gp3' },
        { op: 'replace', path: '/metadata/annotations/volume.beta.kubernetes.io~1storage-class', old: 'local.path', new: 'standard' },
      ],
      output: pvc('p', { storageClassName: 'gp3' }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'standard' } }),
    },
    {
      name: 'DataVolume pvc and storage APIs',
      object: dv('d', { pvc: { storageClassName: 'ceph' }, storage: { storageClassName: 'local.path' } }),
      options: map,
      ops: [
        { op: 'replace', path: '/spec/pvc/storageClassName', old: 'ceph', new: 'gp3' },
        { op: 'replace', path: '/spec/storage/storageClassName', old: 'local.path', new: 'standard' },
      ],
      output: dv('d', { pvc: { storageClassName: 'gp3' }, storage: { storageClassName: 'standard' } }),
    },
    {
      name: 'VM dataVolumeTemplates',
      object: vm('vm1', { dataVolumeTemplates: [template('pvc', 'ceph'), template('storage'), template('storage', 'local.path')] }),
      options: map,
      ops: [
        { op: 'replace', path: '/spec/dataVolumeTemplates/0/spec/pvc/storageClassName', old: 'ceph', new: 'gp3' },
        { op: 'replace', path: '/spec/dataVolumeTemplates/2/spec/storage/storageClassName', old: 'local.path', new: 'standard' },
      ],
      output: vm('vm1', { dataVolumeTemplates: [template('pvc', 'gp3'), template('storage'), template('storage', 'standard')] }),
    },
    {
      name: 'pool VM template dataVolumeTemplates',
      object: pool('p', { virtualMachineTemplate: { spec: { dataVolumeTemplates: [template('storage', 'ceph')] } } }),
      options: map,
      ops: [{ op: 'replace', path: '/spec/virtualMachineTemplate/spec/dataVolumeTemplates/0/spec/storage/storageClassName', old: 'ceph', new: 'gp3' }],
      output: pool('p', { virtualMachineTemplate: { spec: { dataVolumeTemplates: [template('storage', 'gp3')] } } }),
    },
  ],
});

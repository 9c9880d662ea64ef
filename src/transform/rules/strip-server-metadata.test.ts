// Tests for strip-server-metadata.

import { ruleTester } from '../rule-tester.ts';
import { configMap, namespace, ownedBy, pvc, vm } from '../test-fixtures.ts';
import rule from './strip-server-metadata.ts';

const managedFields = [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }];

ruleTester.run(rule, {
  valid: [
    { name: 'a clean ConfigMap', object: configMap('cm', { labels: { app: 'a' }, annotations: { note: 'kept' } }) },
    { name: 'a clean claim', object: pvc('data', { storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } }) },
    { name: 'a clean Namespace', object: namespace('ns1') },
    {
      name: 'binding annotations on other kinds are left alone',
      object: configMap('cm', { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }),
    },
  ],
  invalid: [
    {
      name: 'every server field of a VM',
      object: vm(
        'vm1',
        { runStrategy: 'Always' },
        {
          uid: 'u1',
          resourceVersion: '42',
          generation: 3,
          creationTimestamp: '2024-01-01T00:00:00Z',
          deletionTimestamp: '2024-01-02T00:00:00Z',
          deletionGracePeriodSeconds: 30,
          managedFields,
          selfLink: '/apis/kubevirt.io/v1/namespaces/ns1/virtualmachines/vm1',
          ownerReferences: ownedBy('example.com/v1', 'Thing', 't'),
          generateName: 'vm-',
          labels: { app: 'a' },
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', note: 'kept' },
        },
        { status: { printableStatus: 'Running' } },
      ),
      ops: [
        { op: 'remove', path: '/metadata/uid', old: 'u1' },
        { op: 'remove', path: '/metadata/resourceVersion', old: '42' },
        { op: 'remove', path: '/metadata/generation', old: 3 },
        { op: 'remove', path: '/metadata/creationTimestamp', old: '2024-01-01T00:00:00Z' },
        { op: 'remove', path: '/metadata/deletionTimestamp', old: '2024-01-02T00:00:00Z' },
        { op: 'remove', path: '/metadata/deletionGracePeriodSeconds', old: 30 },
        { op: 'remove', path: '/metadata/managedFields', old: managedFields },
        { op: 'remove', path: '/metadata/selfLink', old: '/apis/kubevirt.io/v1/namespaces/ns1/virtualmachines/vm1' },
        { op: 'remove', path: '/metadata/ownerReferences', old: ownedBy('example.com/v1', 'Thing', 't') },
        { op: 'remove', path: '/metadata/generateName', old: 'vm-' },
        { op: 'remove', path: '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration', old: '{}' },
        { op: 'remove', path: '/status', old: { printableStatus: 'Running' } },
      ],
      output: vm('vm1', { runStrategy: 'Always' }, { labels: { app: 'a' }, annotations: { note: 'kept' } }),
    },
    {
      name: 'a null creationTimestamp, as kubectl writes it',
      object: configMap('cm', { creationTimestamp: null }),
      ops: [{ op: 'remove', path: '/metadata/creationTimestamp', old: null }],
      output: configMap('cm'),
    },
    {
      name: 'binding state of a bound claim',
      object: pvc(
        'data',
        { volumeName: 'pvc-123', storageClassName: 'fast' },
        {
          uid: 'u2',
          annotations: {
            'pv.kubernetes.io/bind-completed': 'yes',
            'pv.kubernetes.io/bound-by-controller': 'yes',
            'volume.kubernetes.io/selected-node': 'node1',
            'volume.kubernetes.io/storage-provisioner': 'csi.example.com',
            'volume.beta.kubernetes.io/storage-provisioner': 'csi.example.com',
            'cdi.kubevirt.io/storage.populatedFor': 'data',
          },
        },
        { status: { phase: 'Bound' } },
      ),
      ops: [
        { op: 'remove', path: '/metadata/uid', old: 'u2' },
        { op: 'remove', path: '/spec/volumeName', old: 'pvc-123' },
        { op: 'remove', path: '/metadata/annotations/pv.kubernetes.io~1bind-completed', old: 'yes' },
        { op: 'remove', path: '/metadata/annotations/pv.kubernetes.io~1bound-by-controller', old: 'yes' },
        { op: 'remove', path: '/metadata/annotations/volume.kubernetes.io~1selected-node', old: 'node1' },
        { op: 'remove', path: '/metadata/annotations/volume.kubernetes.io~1storage-provisioner', old: 'csi.example.com' },
        { op: 'remove', path: '/metadata/annotations/volume.beta.kubernetes.io~1storage-provisioner', old: 'csi.example.com' },
        { op: 'remove', path: '/status', old: { phase: 'Bound' } },
      ],
      output: pvc('data', { storageClassName: 'fast' }, { annotations: { 'cdi.kubevirt.io/storage.populatedFor': 'data' } }),
    },
    {
      name: 'uid and status of a cluster-scoped Namespace',
      object: { ...namespace('ns1', { uid: 'u3' }), status: { phase: 'Active' } },
      ops: [
        { op: 'remove', path: '/metadata/uid', old: 'u3' },
        { op: 'remove', path: '/status', old: { phase: 'Active' } },
      ],
      output: namespace('ns1'),
    },
  ],
});

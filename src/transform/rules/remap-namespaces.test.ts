// Tests for remap-namespaces.

import { ruleTester } from '../rule-tester.ts';
import { configMap, dv, namespace, pool, pvc, vm, vmi, vmirs } from '../test-fixtures.ts';
import type { JsonObject } from '../../model/kube-object.ts';
import rule from './remap-namespaces.ts';

const target = { targetNamespace: 'restored' };
const multus = (networkName: string): JsonObject => ({ networks: [{ name: 'pod', pod: {} }, { name: 'br', multus: { networkName } }] });
const clone = (namespace?: string): JsonObject => ({ source: { pvc: namespace ? { namespace, name: 'golden' } : { name: 'golden' } } });

ruleTester.run(rule, {
  valid: [
    { name: 'no namespace option', object: configMap('cm') },
    { name: 'namespace not in the map', object: configMap('cm', { namespace: 'ns2' }), options: { namespaceMap: { ns1: 'x' } } },
    { name: 'already in the target namespace', object: configMap('cm', { namespace: 'restored' }), options: target },
    { name: 'a Namespace not in the map', object: namespace('ns2'), options: { namespaceMap: { ns1: 'x' } } },
    {
      name: 'a reference into a namespace that stays is reported',
      object: dv('d', clone('golden-images'), { namespace: 'ns2' }),
      options: { namespaceMap: { ns1: 'x' } },
      warnings: ['/spec/source/pvc/namespace: clone source claim in namespace golden-images, which is not moved'],
    },
  ],
  invalid: [
    {
      name: 'target namespace moves a ConfigMap',
      object: configMap('cm'),
      options: target,
      ops: [{ op: 'replace', path: '/metadata/namespace', old: 'ns1', new: 'restored' }],
      output: configMap('cm', { namespace: 'restored' }),
    },
    {
      name: 'a namespace map moves only what it names',
      object: configMap('cm'),
      options: { namespaceMap: { ns1: 'prod', ns9: 'x' } },
      ops: [{ op: 'replace', path: '/metadata/namespace', old: 'ns1', new: 'prod' }],
      output: configMap('cm', { namespace: 'prod' }),
    },
    {
      name: 'DataVolume clone, snapshot and DataSource sources follow their namespace',
      object: dv('d', {
        source: { pvc: { namespace: 'ns1', name: 'a' }, snapshot: { namespace: 'ns2', name: 's' } },
        sourceRef: { kind: 'DataSource', namespace: 'ns1', name: 'fedora' },
      }),
      options: { namespaceMap: { ns1: 'x', ns2: 'y' } },
      ops: [
        { op: 'replace', path: '/metadata/namespace', old: 'ns1', new: 'x' },
        { op: 'replace', path: '/spec/source/pvc/namespace', old: 'ns1', new: 'x' },
        { op: 'replace', path: '/spec/source/snapshot/namespace', old: 'ns2', new: 'y' },
        { op: 'replace', path: '/spec/sourceRef/namespace', old: 'ns1', new: 'x' },
      ],
      output: dv(
        'd',
        { source: { pvc: { namespace: 'x', name: 'a' }, snapshot: { namespace: 'y', name: 's' } }, sourceRef: { kind: 'DataSource', namespace: 'x', name: 'fedora' } },
        { namespace: 'x' },
      ),
    },
    {
      name: 'a same-namespace clone source needs no rewrite',
      object: dv('d', clone()),
      options: target,
      ops: [{ op: 'replace', path: '/metadata/namespace', old: 'ns1', new: 'restored' }],
      output: dv('d', clone(), { namespace: 'restored' }),
    },
    {
      name: 'claim dataSourceRef namespace',
      object: pvc('p', { dataSourceRef: { kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io', name: 's', namespace: 'ns1' } }),
      options: target,
      ops: [
        { op: 'replace', path: '/metadata/namespace', old: 'ns1', new: 'restored' },
        { op: 'replace', path: '/spec/dataSourceRef/namespace', old: 'ns1', new: 'restored' },
      ],
      output: pvc('p', { dataSourceRef: { kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io', name: 's', namespace: 'restored' } }, { namespace: 'restored' }),
    },
    {
      name: 'VM dataVolumeTemplates and Multus networks; a reference out of the input is reported',
      object: vm('vm1', {
        dataVolumeTemplates: [{ metadata: { name: 't' }, spec: clone('ns1') }, { metadata: { name: 'u' }, spec: clone('images') }],
        template: { spec: multus('ns1/br1') },
      }),
      options: target,
      ops: [
        { op: 'replace', path: '/metadata/namespace', old: 'ns1', new: 'restored' },
        { op: 'replace', path: '/spec/dataVolumeTemplates/0/spec/source/pvc/namespace', old: 'ns1', new: 'restored' },
        { op: 'replace', path: '/spec/template/spec/networks/1/multus/networkName', old: 'ns1/br1', new: 'restored/br1' },
      ],
      warnings: ['/spec/dataVolumeTemplates/1/spec/source/pvc/namespace: clone source claim in namespace images, which is not moved'],
      output: vm(
        'vm1',
        {
          dataVolumeTemplates: [{ metadata: { name: 't' }, spec: clone('restored') }, { metadata: { name: 'u' }, spec: clone('images') }],
          template: { spec: multus('restored/br1') },
        },
        { namespace: 'restored' },
      ),
    },
    {
      name: 'Multus networks of a VMI, a replica set and a pool',
      object: vmi('v', multus('ns1/br1')),
      others: [vmirs('rs', { template: { spec: multus('ns1/br1') } }), pool('p', { virtualMachineTemplate: { spec: { template: { spec: multus('ns1/br1') } } } })],
      options: { namespaceMap: { ns1: 'x' } },
      ops: [
        { op: 'replace', path: '/metadata/namespace', old: 'ns1', new: 'x' },
        { op: 'replace', path: '/spec/networks/1/multus/networkName', old: 'ns1/br1', new: 'x/br1' },
      ],
      output: vmi('v', multus('x/br1'), { namespace: 'x' }),
    },
    {
      name: 'pool dataVolumeTemplates and networks',
      object: pool('p', { virtualMachineTemplate: { spec: { dataVolumeTemplates: [{ spec: clone('ns1') }], template: { spec: multus('ns1/br1') } } } }),
      options: { namespaceMap: { ns1: 'x' } },
      ops: [
        { op: 'replace', path: '/metadata/namespace', old: 'ns1', new: 'x' },
        { op: 'replace', path: '/spec/virtualMachineTemplate/spec/dataVolumeTemplates/0/spec/source/pvc/namespace', old: 'ns1', new: 'x' },
        { op: 'replace', path: '/spec/virtualMachineTemplate/spec/template/spec/networks/1/multus/networkName', old: 'ns1/br1', new: 'x/br1' },
      ],
      output: pool('p', { virtualMachineTemplate: { spec: { dataVolumeTemplates: [{ spec: clone('x') }], template: { spec: multus('x/br1') } } } }, { namespace: 'x' }),
    },
    {
      name: 'a Namespace object is renamed',
      object: namespace('ns1', { labels: { team: 'a' } }),
      options: { namespaceMap: { ns1: 'x' } },
      ops: [{ op: 'replace', path: '/metadata/name', old: 'ns1', new: 'x' }],
      output: namespace('x', { labels: { team: 'a' } }),
    },
    {
      name: 'a Namespace object merging into a target Namespace of the input is dropped',
      object: namespace('ns1'),
      others: [namespace('restored'), configMap('cm', { namespace: 'restored' })],
      options: target,
      drop: "merged into namespace restored: the input's Namespace restored already has that name",
    },
    {
      name: 'of two Namespaces mapped to one name, the second by name is dropped',
      object: namespace('ns2'),
      others: [namespace('ns1')],
      options: { namespaceMap: { ns1: 'x', ns2: 'x' } },
      drop: "merged into namespace x: the input's Namespace ns1 takes that name",
    },
  ],
});

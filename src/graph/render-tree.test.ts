// Tests for the -o tree renderer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kinds } from '../model/kinds.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { buildGraph, type Graph } from './build-graph.ts';
import { makeObject, makeVm, makeVmi, ownerRefTo } from './edge-fixtures.ts';
import { renderTree } from './render-tree.ts';

const ref = (kind: { group: string; kind: string }, name: string, namespace = 'ns1') => ({ ...kind, namespace, name });

describe('renderTree', () => {
  it('prints a tree per root with markers, then the unreachable objects', () => {
    const vm = makeVm(
      'vm',
      {
        volumes: [
          { name: 'root', dataVolume: { name: 'root' } },
          { name: 'cfg', configMap: { name: 'cfg' } },
        ],
      },
      { instancetype: { name: 'u1.small' }, dataVolumeTemplates: [{ metadata: { name: 'root' } }] },
      { uid: 'vm-uid' },
    );
    const objects = [
      vm,
      makeVmi('vm', { volumes: [{ name: 'root', dataVolume: { name: 'root' } }] }, { uid: 'vmi-uid', ownerReferences: [ownerRefTo(vm)] }),
      makeObject(Kinds.Pod, 'virt-launcher-vm-abcde', {}, { labels: { 'kubevirt.io/created-by': 'vmi-uid' } }),
      makeObject(Kinds.DataVolume, 'root', { status: { phase: 'Succeeded' } }),
      makeObject(Kinds.PersistentVolumeClaim, 'root'),
      makeVmi('standalone', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'gone' } }] }),
      makeObject(Kinds.DataVolume, 'spare', { spec: { source: { pvc: { name: 'base' } } } }),
      makeObject(Kinds.ConfigMap, 'unused'),
    ];
    assert.equal(
      renderTree(buildGraph(ObjectIndex.of(objects))),
      [
        'VirtualMachine.kubevirt.io ns1/vm',
        '├── ConfigMap ns1/cfg [missing]',
        '├── PersistentVolumeClaim ns1/root [optional]',
        '├── DataVolume.cdi.kubevirt.io ns1/root [optional]',
        '│   └── PersistentVolumeClaim ns1/root',
        '├── VirtualMachineClusterInstancetype.instancetype.kubevirt.io u1.small [optional, missing, external]',
        '└── VirtualMachineInstance.kubevirt.io ns1/vm [optional]',
        '    ├── PersistentVolumeClaim ns1/root [optional]',
        '    ├── Pod ns1/virt-launcher-vm-abcde [optional]',
        '    └── DataVolume.cdi.kubevirt.io ns1/root [optional] (see above)',
        '',
        'VirtualMachineInstance.kubevirt.io ns1/standalone',
        '└── PersistentVolumeClaim ns1/gone [missing]',
        '',
        'Not reachable from a VM, VMI, replica set or pool:',
        'ConfigMap ns1/unused',
        'DataVolume.cdi.kubevirt.io ns1/spare',
        '└── PersistentVolumeClaim ns1/base [missing]',
        '',
      ].join('\n'),
    );
  });

  it('marks a pair optional only when every edge between them is', () => {
    const graph: Graph = {
      nodes: [ref(Kinds.Secret, 's'), ref(Kinds.VirtualMachine, 'vm')],
      edges: [
        { from: ref(Kinds.VirtualMachine, 'vm'), to: ref(Kinds.Secret, 's'), reason: 'a', optional: true },
        { from: ref(Kinds.VirtualMachine, 'vm'), to: ref(Kinds.Secret, 's'), reason: 'b', optional: false },
      ],
    };
    assert.equal(renderTree(graph), 'VirtualMachine.kubevirt.io ns1/vm\n└── Secret ns1/s\n');
  });

  it('ends cycles among unreachable objects', () => {
    const a = ref(Kinds.PersistentVolumeClaim, 'a');
    const b = ref(Kinds.PersistentVolumeClaim, 'b');
    const graph: Graph = {
      nodes: [a, b],
      edges: [
        { from: a, to: b, reason: 'spec.dataSource.name', optional: false },
        { from: b, to: a, reason: 'spec.dataSource.name', optional: false },
      ],
    };
    assert.equal(
      renderTree(graph),
      [
        'Not reachable from a VM, VMI, replica set or pool:',
        'PersistentVolumeClaim ns1/a',
        '└── PersistentVolumeClaim ns1/b',
        '    └── PersistentVolumeClaim ns1/a (see above)',
        '',
      ].join('\n'),
    );
  });

  it('prints nothing for an empty graph', () => {
    assert.equal(renderTree({ nodes: [], edges: [] }), '');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../model/kube-object.ts';
import { phaseOf, restoreOrder, RESTORE_PHASES } from './order.ts';

const obj = (apiVersion: string, kind: string, name: string, spec: Record<string, unknown> = {}, namespace: string | undefined = 'ns1'): KubeObject =>
  ({ apiVersion, kind, metadata: namespace === undefined ? { name } : { name, namespace }, ...(Object.keys(spec).length ? { spec } : {}) }) as KubeObject;

const vm = obj('kubevirt.io/v1', 'VirtualMachine', 'vm1', {
  instancetype: { kind: 'VirtualMachineInstancetype', name: 'it' },
  template: { spec: { volumes: [{ name: 'd', dataVolume: { name: 'dv1' } }, { name: 'c', configMap: { name: 'cm' } }] } },
});
const objects = [
  obj('kubevirt.io/v1', 'VirtualMachineInstance', 'vmi1'),
  vm,
  obj('cdi.kubevirt.io/v1beta1', 'DataVolume', 'dv1', { source: { pvc: { namespace: 'ns1', name: 'src' } } }),
  obj('v1', 'PersistentVolumeClaim', 'src'),
  obj('cdi.kubevirt.io/v1beta1', 'DataVolume', 'a-clone', { source: { pvc: { namespace: 'ns1', name: 'z-pvc' } } }),
  obj('v1', 'PersistentVolumeClaim', 'z-pvc'),
  obj('instancetype.kubevirt.io/v1beta1', 'VirtualMachineInstancetype', 'it'),
  obj('apps/v1', 'ControllerRevision', 'rev'),
  obj('v1', 'ConfigMap', 'cm'),
  obj('v1', 'Secret', 's'),
  obj('v1', 'Namespace', 'ns1', {}, undefined),
  obj('example.com/v1', 'Widget', 'w'),
  obj('cdi.kubevirt.io/v1beta1', 'VolumeImportSource', 'vis'),
];

describe('restoreOrder', () => {
  it('applies namespaces, configuration, instancetypes, volume sources, volumes, VMs, instances, then unknown kinds', () => {
    const order = restoreOrder(objects);
    const phases = order.map((entry) => RESTORE_PHASES.indexOf(entry.phase));
    assert.deepEqual(phases, [...phases].sort((a, b) => a - b));
    assert.deepEqual(order.map((entry) => `${entry.ref.kind}/${entry.ref.name}`), [
      'Namespace/ns1',
      'ConfigMap/cm',
      'Secret/s',
      'ControllerRevision/rev',
      'VirtualMachineInstancetype/it',
      'VolumeImportSource/vis',
      'PersistentVolumeClaim/src',
      'PersistentVolumeClaim/z-pvc',
      'DataVolume/a-clone',
      'DataVolume/dv1',
      'VirtualMachine/vm1',
      'VirtualMachineInstance/vmi1',
      'Widget/w',
    ]);
  });

  it('puts a clone source before the DataVolume that clones it even when ref order says otherwise', () => {
    const order = restoreOrder(objects).map((entry) => entry.ref.name);
    assert.ok(order.indexOf('z-pvc') < order.indexOf('a-clone'));
  });

  it('gives the same order for any input order', () => {
    const expected = restoreOrder(objects).map((entry) => entry.ref.name);
    assert.deepEqual(restoreOrder([...objects].reverse()).map((entry) => entry.ref.name), expected);
    assert.deepEqual(restoreOrder([...objects.slice(5), ...objects.slice(0, 5)]).map((entry) => entry.ref.name), expected);
  });

  it('knows the phase of every kind restore names', () => {
    assert.equal(phaseOf({ group: '', kind: 'Namespace' }), 'namespaces');
    assert.equal(phaseOf({ group: 'pool.kubevirt.io', kind: 'VirtualMachinePool' }), 'instances');
    assert.equal(phaseOf({ group: 'kubevirt.io', kind: 'VirtualMachineInstanceReplicaSet' }), 'instances');
    assert.equal(phaseOf({ group: 'instancetype.kubevirt.io', kind: 'VirtualMachineClusterPreference' }), 'instancetypes');
    assert.equal(phaseOf({ group: 'example.com', kind: 'Widget' }), 'other');
  });
});

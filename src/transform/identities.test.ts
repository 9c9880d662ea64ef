// Tests for identitiesOf.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identitiesOf } from './identities.ts';
import { configMap, domainSpec, pool, vm, vmi } from './test-fixtures.ts';

describe('identitiesOf', () => {
  it('lists MACs, serials and UUIDs of every kind that sets them, normalised and sorted', () => {
    const objects = [
      vm('b', { template: { spec: domainSpec([{ name: 'a', macAddress: '52-54-00-00-00-02' }, { name: 'b' }], { serial: 'S2', uuid: 'AAAAAAAA-0000-4000-8000-000000000000' }) } }),
      vmi('a', domainSpec([{ name: 'a', macAddress: '52:54:00:00:00:01' }, { name: 'b', macAddress: 'bad' }], { serial: '' })),
      pool('p', { virtualMachineTemplate: { spec: { template: { spec: domainSpec([{ name: 'a', macAddress: '5254.0000.0002' }], { uuid: 'not-a-uuid' }) } } } }),
      configMap('cm'),
    ];
    const ids = identitiesOf(objects);
    const vmRef = { group: 'kubevirt.io', kind: 'VirtualMachine', namespace: 'ns1', name: 'b' };
    const poolRef = { group: 'pool.kubevirt.io', kind: 'VirtualMachinePool', namespace: 'ns1', name: 'p' };
    assert.deepEqual(ids.macs, [
      { value: '52:54:00:00:00:01', object: { group: 'kubevirt.io', kind: 'VirtualMachineInstance', namespace: 'ns1', name: 'a' }, path: '/spec/domain/devices/interfaces/0/macAddress' },
      { value: '52:54:00:00:00:02', object: vmRef, path: '/spec/template/spec/domain/devices/interfaces/0/macAddress' },
      { value: '52:54:00:00:00:02', object: poolRef, path: '/spec/virtualMachineTemplate/spec/template/spec/domain/devices/interfaces/0/macAddress' },
    ]);
    assert.deepEqual(ids.serials, [{ value: 'S2', object: vmRef, path: '/spec/template/spec/domain/firmware/serial' }]);
    assert.deepEqual(ids.uuids, [{ value: 'aaaaaaaa-0000-4000-8000-000000000000', object: vmRef, path: '/spec/template/spec/domain/firmware/uuid' }]);
  });

  it('is empty for objects without identities', () => {
    assert.deepEqual(identitiesOf([configMap('cm'), vm('v')]), { macs: [], serials: [], uuids: [] });
  });
});

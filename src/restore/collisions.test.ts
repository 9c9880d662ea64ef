import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../model/kube-object.ts';
import { describeRef } from '../model/object-ref.ts';
import { describeCollisions, findCollisions } from './collisions.ts';

function vm(name: string, namespace: string, mac: string, serial?: string, uuid?: string): KubeObject {
  const firmware: Record<string, string> = {};
  if (serial) firmware.serial = serial;
  if (uuid) firmware.uuid = uuid;
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, namespace },
    spec: { template: { spec: { domain: { firmware, devices: { interfaces: [{ name: 'default', macAddress: mac }] } } } } },
  };
}

function vmiOf(owner: KubeObject): KubeObject {
  const spec = (owner.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstance',
    metadata: { name: owner.metadata.name, namespace: owner.metadata.namespace as string, ownerReferences: [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name: owner.metadata.name, uid: 'u', controller: true }] },
    spec,
  } as KubeObject;
}

describe('findCollisions', () => {
  const restoring = [vm('vm1', 'target', '02:AA:00:00:00:01', 'SER-1', '6f1f3b4e-3c2a-4d6e-9b1a-000000000001')];

  it('finds a MAC (any spelling), a serial and a UUID that another live VM or VMI uses', () => {
    const other = vm('other', 'prod', '02-aa-00-00-00-01', 'SER-1', '6F1F3B4E-3C2A-4D6E-9B1A-000000000001');
    const collisions = findCollisions(restoring, [other, vmiOf(other)]);
    assert.deepEqual(collisions.map((c) => `${c.identity} ${c.value} ${c.live.kind}`), [
      'MAC address 02:aa:00:00:00:01 VirtualMachine',
      'MAC address 02:aa:00:00:00:01 VirtualMachineInstance',
      'firmware serial SER-1 VirtualMachine',
      'firmware serial SER-1 VirtualMachineInstance',
      'firmware UUID 6f1f3b4e-3c2a-4d6e-9b1a-000000000001 VirtualMachine',
      'firmware UUID 6f1f3b4e-3c2a-4d6e-9b1a-000000000001 VirtualMachineInstance',
    ]);
    assert.match(describeCollisions(collisions, describeRef)[0] ?? '', /wanted by VirtualMachine\.kubevirt\.io target\/vm1, already used by VirtualMachine\.kubevirt\.io prod\/other/);
  });

  it('does not count the restored VM itself or the VMI it controls (a re-run)', () => {
    const live = restoring[0] as KubeObject;
    assert.deepEqual(findCollisions(restoring, [live, vmiOf(live)]), []);
  });

  it('finds nothing when the values differ', () => {
    assert.deepEqual(findCollisions(restoring, [vm('other', 'prod', '02:aa:00:00:00:02', 'SER-2')]), []);
  });
});

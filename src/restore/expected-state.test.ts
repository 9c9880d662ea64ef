import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../model/kube-object.ts';
import { progressOf } from './expected-state.ts';
import { withNamespaces } from './namespaces.ts';

const API_VERSIONS: Record<string, string> = { PersistentVolumeClaim: 'v1', DataVolume: 'cdi.kubevirt.io/v1beta1', VirtualMachine: 'kubevirt.io/v1' };
const of = (kind: string, spec: unknown, status: unknown): KubeObject => ({ apiVersion: API_VERSIONS[kind] ?? 'v1', kind, metadata: { name: 'x', namespace: 'n' }, spec, status }) as KubeObject;

describe('progressOf', () => {
  it('PVCs are done when Bound', () => {
    assert.equal(progressOf(of('PersistentVolumeClaim', {}, { phase: 'Bound' })).state, 'done');
    assert.deepEqual(progressOf(of('PersistentVolumeClaim', {}, { phase: 'Pending' })), { state: 'pending', reason: 'phase Pending' });
  });

  it('DataVolumes are done when Succeeded and failed when Failed', () => {
    assert.equal(progressOf(of('DataVolume', {}, { phase: 'Succeeded' })).state, 'done');
    assert.equal(progressOf(of('DataVolume', {}, { phase: 'Failed' })).state, 'failed');
    assert.deepEqual(progressOf(of('DataVolume', {}, { phase: 'ImportInProgress', progress: '42.0%' })), { state: 'pending', reason: 'phase ImportInProgress 42.0%' });
  });

  it('VMs follow their runStrategy: Always → Running, Halted → Stopped', () => {
    assert.equal(progressOf(of('VirtualMachine', { runStrategy: 'Always' }, { printableStatus: 'Running' })).state, 'done');
    assert.equal(progressOf(of('VirtualMachine', { runStrategy: 'Always' }, { printableStatus: 'Stopped' })).state, 'pending');
    assert.equal(progressOf(of('VirtualMachine', { running: true }, { printableStatus: 'Starting' })).state, 'pending');
    assert.equal(progressOf(of('VirtualMachine', { runStrategy: 'Halted' }, { printableStatus: 'Stopped' })).state, 'done');
    assert.equal(progressOf(of('VirtualMachine', { running: false }, { printableStatus: 'Running' })).state, 'pending');
    assert.equal(progressOf(of('VirtualMachine', { runStrategy: 'Always' }, { printableStatus: 'CrashLoopBackOff' })).state, 'failed');
  });
});

describe('withNamespaces', () => {
  it('adds a Namespace for each namespace the objects use and the input does not carry', () => {
    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'a' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'b' } },
      { apiVersion: 'instancetype.kubevirt.io/v1beta1', kind: 'VirtualMachineClusterInstancetype', metadata: { name: 'c' } },
    ];
    assert.deepEqual(withNamespaces(objects).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name), ['b', 'a']);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../model/kube-object.ts';
import { contains, isUnchanged } from './compare.ts';

const desired: KubeObject = {
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachine',
  metadata: { name: 'vm', namespace: 'ns', labels: { app: 'x' } },
  spec: { runStrategy: 'Always', template: { metadata: { creationTimestamp: null }, spec: { domain: { devices: { interfaces: [{ name: 'default', macAddress: '02:00:00:00:00:01' }] } } } } },
};

describe('isUnchanged', () => {
  it('ignores status, server metadata, extra annotations and fields defaulted on the live object', () => {
    const live = {
      ...desired,
      metadata: { ...desired.metadata, uid: 'u', resourceVersion: '7', annotations: { 'kubevirt.io/latest-observed-api-version': 'v1' } },
      spec: { ...(desired.spec as object), template: { spec: { domain: { devices: { interfaces: [{ name: 'default', macAddress: '02:00:00:00:00:01', bridge: {} }] } } } } },
      status: { printableStatus: 'Running' },
    } as KubeObject;
    assert.equal(isUnchanged(desired, live), true);
  });

  it('sees a changed field, a changed label and a different list length', () => {
    assert.equal(isUnchanged(desired, { ...desired, spec: { ...(desired.spec as object), runStrategy: 'Halted' } } as KubeObject), false);
    assert.equal(isUnchanged(desired, { ...desired, metadata: { ...desired.metadata, labels: { app: 'y' } } }), false);
    const two = { ...desired, spec: { ...(desired.spec as object), template: { spec: { domain: { devices: { interfaces: [{ name: 'default', macAddress: '02:00:00:00:00:01' }, { name: 'b' }] } } } } } } as KubeObject;
    assert.equal(isUnchanged(desired, two), false);
  });

  it("compares a Secret's stringData with the stored base64 data", () => {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { key: 'value' } };
    assert.equal(isUnchanged(secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { key: 'dmFsdWU=' } }), true);
    assert.equal(isUnchanged(secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { key: 'b3RoZXI=' } }), false);
  });

  it('matches null and empty values against absent ones', () => {
    assert.equal(contains(undefined, null), true);
    assert.equal(contains({}, null), true);
    assert.equal(contains(undefined, {}), true);
    assert.equal(contains('x', null), false);
  });
});

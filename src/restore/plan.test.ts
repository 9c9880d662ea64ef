import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../model/kube-object.ts';
import { planObject, type OnConflict, type PlannedAction } from './plan.ts';

const configMap = (data: Record<string, string>, metadata: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns1', ...metadata }, data }) as KubeObject;
const claim = (size: string, metadata: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'pvc', namespace: 'ns1', ...metadata }, spec: { resources: { requests: { storage: size } } } }) as KubeObject;
const dataVolume = (url: string): KubeObject =>
  ({ apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', metadata: { name: 'dv', namespace: 'ns1' }, spec: { source: { http: { url } } } }) as KubeObject;

const deleting = { deletionTimestamp: '2026-01-01T00:00:00Z', resourceVersion: '7' };

/** desired, live, --on-conflict → the planned action (reasons left out). */
const TABLE: { name: string; desired: KubeObject; live: KubeObject | undefined; onConflict: OnConflict; expected: PlannedAction['action'] }[] = [
  { name: 'absent → create', desired: configMap({ a: '1' }), live: undefined, onConflict: 'fail', expected: 'create' },
  { name: 'absent → create, whatever the policy', desired: claim('1Gi'), live: undefined, onConflict: 'replace', expected: 'create' },
  { name: 'identical → unchanged', desired: configMap({ a: '1' }), live: configMap({ a: '1' }, { uid: 'u', resourceVersion: '3' }), onConflict: 'fail', expected: 'unchanged' },
  { name: 'identical → unchanged even with replace', desired: configMap({ a: '1' }), live: configMap({ a: '1' }), onConflict: 'replace', expected: 'unchanged' },
  { name: 'differs, fail → fail', desired: configMap({ a: '1' }), live: configMap({ a: '2' }), onConflict: 'fail', expected: 'fail' },
  { name: 'differs, skip → skip', desired: configMap({ a: '1' }), live: configMap({ a: '2' }), onConflict: 'skip', expected: 'skip' },
  { name: 'differs, replace, updatable kind → replace', desired: configMap({ a: '1' }), live: configMap({ a: '2' }), onConflict: 'replace', expected: 'replace' },
  { name: 'differs, replace, PVC → recreate', desired: claim('1Gi'), live: claim('2Gi'), onConflict: 'replace', expected: 'recreate' },
  { name: 'differs, replace, DataVolume → recreate', desired: dataVolume('https://a'), live: dataVolume('https://b'), onConflict: 'replace', expected: 'recreate' },
  { name: 'differs, skip, PVC → skip', desired: claim('1Gi'), live: claim('2Gi'), onConflict: 'skip', expected: 'skip' },
  { name: 'differs and being deleted → fail, even with replace', desired: configMap({ a: '1' }), live: configMap({ a: '2' }, deleting), onConflict: 'replace', expected: 'fail' },
  { name: 'identical but being deleted → fail', desired: configMap({ a: '1' }), live: configMap({ a: '1' }, deleting), onConflict: 'skip', expected: 'fail' },
];

describe('planObject', () => {
  for (const row of TABLE) {
    it(row.name, () => {
      assert.equal(planObject(row.desired, row.live, { onConflict: row.onConflict }).action, row.expected);
    });
  }

  it('says why it fails, skips or recreates', () => {
    const fail = planObject(configMap({ a: '1' }), configMap({ a: '2' }), { onConflict: 'fail' });
    assert.ok(fail.action === 'fail' && /--on-conflict/.test(fail.reason));
    const recreate = planObject(claim('1Gi'), claim('2Gi'), { onConflict: 'replace' });
    assert.ok(recreate.action === 'recreate' && /deleted and created again/.test(recreate.reason));
  });
});

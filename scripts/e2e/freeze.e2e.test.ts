// End-to-end: guest filesystem freeze/unfreeze through the real aggregator.
// PUT /apis/subresources.kubevirt.io/v1/.../virtualmachineinstances/<vmi>/freeze
// travels kube-apiserver (authn, RBAC) -> APIService -> the simulator, which
// records every call; these tests assert the record and the VMI status.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiRequest, connect, createNamespace, createObjects, deleteNamespace, eventually, kubeConfig, readObject, type ControlPlane } from './cluster.ts';
import { freezeRecord, simAnnotations } from './simulator.ts';
import { vmiRunning, vmWithDataVolume, type Obj } from './fixtures.ts';

let plane: ControlPlane;
let kc: KubeConfig;
let ns: string;

const vmiPath = (name: string, op: string, version = 'v1'): string =>
  `/apis/subresources.kubevirt.io/${version}/namespaces/${ns}/virtualmachineinstances/${name}/${op}`;

const readVmi = (name: string): Promise<Obj> =>
  readObject<Obj>(kc, { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', metadata: { name, namespace: ns } });

before(async () => {
  plane = await connect();
  kc = kubeConfig(plane);
  ns = await createNamespace(kc, 'freeze');
  await createObjects(kc, ns, [
    vmWithDataVolume('guest'),
    vmWithDataVolume('timed'),
    vmWithDataVolume('agentless', { annotations: simAnnotations({ fail: ['guest-agent'] }) }),
    vmWithDataVolume('stuck', { annotations: simAnnotations({ stall: ['start'] }) }),
    vmWithDataVolume('broken', { annotations: simAnnotations({ fail: ['unfreeze'] }) }),
  ]);
  await Promise.all(['guest', 'timed', 'agentless', 'broken'].map((n) => vmiRunning(kc, ns, n)));
});

after(async () => {
  // Leave no guest frozen, whatever failed above.
  for (const key of (await freezeRecord(plane, ns)).frozen) {
    await apiRequest(kc, 'PUT', vmiPath(key.split('/')[1] as string, 'unfreeze'));
  }
  await deleteNamespace(kc, ns);
});

describe('freeze and unfreeze through the aggregated API', () => {
  it('freezes, reports fsFreezeStatus, unfreezes, and records both calls', async () => {
    const frozen = await apiRequest(kc, 'PUT', vmiPath('guest', 'freeze'), { unfreezeTimeout: '5m' });
    assert.equal(frozen.status, 200, frozen.body.toString());
    assert.equal((await readVmi('guest')).status?.fsFreezeStatus, 'frozen');
    assert.deepEqual((await freezeRecord(plane, ns)).frozen, [`${ns}/guest`]);

    const thawed = await apiRequest(kc, 'PUT', vmiPath('guest', 'unfreeze'));
    assert.equal(thawed.status, 200, thawed.body.toString());
    await eventually('fsFreezeStatus cleared', async () => ((await readVmi('guest')).status?.fsFreezeStatus === undefined ? true : undefined));

    const record = await freezeRecord(plane, ns);
    const calls = record.calls.filter((c) => c.name === 'guest').map(({ op, via, user, code, unfreezeTimeout }) => ({ op, via, user, code, unfreezeTimeout }));
    assert.deepEqual(calls, [
      { op: 'freeze', via: 'api', user: 'kvb-admin', code: 200, unfreezeTimeout: '5m0s' },
      { op: 'unfreeze', via: 'api', user: 'kvb-admin', code: 200, unfreezeTimeout: undefined },
    ]);
    assert.deepEqual(record.frozen, [], 'every frozen guest was thawed');
  });

  it('serves v1alpha3 too', async () => {
    assert.equal((await apiRequest(kc, 'PUT', vmiPath('guest', 'freeze', 'v1alpha3'), { unfreezeTimeout: '1m' })).status, 200);
    assert.equal((await apiRequest(kc, 'PUT', vmiPath('guest', 'unfreeze', 'v1alpha3'))).status, 200);
    assert.deepEqual((await freezeRecord(plane, ns)).frozen, []);
  });

  it('thaws automatically when unfreezeTimeout passes', async () => {
    const r = await apiRequest(kc, 'PUT', vmiPath('timed', 'freeze'), { unfreezeTimeout: '2s' });
    assert.equal(r.status, 200, r.body.toString());
    assert.deepEqual((await freezeRecord(plane, ns)).frozen, [`${ns}/timed`]);
    const thaw = await eventually(
      'the safety unfreeze',
      async () => (await freezeRecord(plane, ns)).calls.find((c) => c.name === 'timed' && c.op === 'unfreeze'),
      10_000,
    );
    assert.equal(thaw.via, 'timer');
    const freeze = (await freezeRecord(plane, ns)).calls.find((c) => c.name === 'timed' && c.op === 'freeze');
    const elapsed = Date.parse(thaw.time) - Date.parse(freeze?.time as string);
    assert.ok(elapsed >= 1900 && elapsed < 4000, `thawed after ${elapsed} ms`);
    assert.deepEqual((await freezeRecord(plane, ns)).frozen, []);
    await eventually('fsFreezeStatus cleared', async () => ((await readVmi('timed')).status?.fsFreezeStatus === undefined ? true : undefined));
  });

  it('rejects what virt-api rejects', async () => {
    const noBody = await apiRequest(kc, 'PUT', vmiPath('guest', 'freeze'));
    assert.equal(noBody.status, 400);
    assert.match(noBody.body.toString(), /failed to retrieve unfreeze timeout/);

    const nullTimeout = await apiRequest(kc, 'PUT', vmiPath('guest', 'freeze'), { unfreezeTimeout: null });
    assert.equal(nullTimeout.status, 400);
    assert.match(nullTimeout.body.toString(), /Unfreeze timeout in freeze request is not set/);

    const notRunning = await apiRequest(kc, 'PUT', vmiPath('stuck', 'freeze'), { unfreezeTimeout: '1m' });
    assert.equal(notRunning.status, 409, notRunning.body.toString());

    const missing = await apiRequest(kc, 'PUT', vmiPath('no-such-vmi', 'freeze'), { unfreezeTimeout: '1m' });
    assert.equal(missing.status, 404);

    const noAgent = await apiRequest(kc, 'PUT', vmiPath('agentless', 'freeze'), { unfreezeTimeout: '1m' });
    assert.equal(noAgent.status, 500);
    assert.match(noAgent.body.toString(), /QEMU guest agent is not connected/);
    assert.deepEqual((await freezeRecord(plane, ns)).frozen, []);
  });

  it('keeps a guest frozen when unfreeze fails, until it is retried or the timeout thaws it', async () => {
    assert.equal((await apiRequest(kc, 'PUT', vmiPath('broken', 'freeze'), { unfreezeTimeout: '2s' })).status, 200);
    const failed = await apiRequest(kc, 'PUT', vmiPath('broken', 'unfreeze'));
    assert.equal(failed.status, 500);
    assert.deepEqual((await freezeRecord(plane, ns)).frozen, [`${ns}/broken`]);
    await eventually('the safety unfreeze', async () => ((await freezeRecord(plane, ns)).frozen.length === 0 ? true : undefined), 10_000);
  });

  it('enforces RBAC on the subresource', async () => {
    const asUser = kubeConfig(plane, 'user');
    const denied = await apiRequest(asUser, 'PUT', vmiPath('guest', 'freeze'), { unfreezeTimeout: '1m' });
    assert.equal(denied.status, 403, denied.body.toString());

    const role = `freezer-${ns}`.slice(0, 63);
    await createObjects(kc, ns, [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: role },
        rules: [{ apiGroups: ['subresources.kubevirt.io'], resources: ['virtualmachineinstances/freeze', 'virtualmachineinstances/unfreeze'], verbs: ['update'] }],
      } as Obj,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: role },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
        subjects: [{ kind: 'User', name: 'kvb-user', apiGroup: 'rbac.authorization.k8s.io' }],
      } as Obj,
    ]);
    await eventually('the RoleBinding to take effect', async () => {
      const r = await apiRequest(asUser, 'PUT', vmiPath('guest', 'freeze'), { unfreezeTimeout: '1m' });
      return r.status === 200 ? r : undefined;
    });
    assert.equal((await apiRequest(asUser, 'PUT', vmiPath('guest', 'unfreeze'))).status, 200);
    const userCalls = (await freezeRecord(plane, ns)).calls.filter((c) => c.user === 'kvb-user' && c.code === 200);
    assert.deepEqual(userCalls.map((c) => c.op), ['freeze', 'unfreeze']);
    assert.deepEqual((await freezeRecord(plane, ns)).frozen, []);
  });
});

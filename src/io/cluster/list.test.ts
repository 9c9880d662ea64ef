import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kinds, kindInfo } from '../../model/kinds.ts';
import { connect } from './client.ts';
import { discover, listKind, NAMESPACED_PLAN, CLUSTER_PLAN } from './list.ts';
import { sendJson, startTestServer, type TestServer } from '../../testing/fake-apiserver.ts';

const vmKind = kindInfo(Kinds.VirtualMachine.group, Kinds.VirtualMachine.kind)!;
const vm = (name: string) => ({ metadata: { name, namespace: 'ns1', uid: `uid-${name}` }, spec: {} });

/** A fake apiserver holding `count` VMs in ns1, paging by `limit`; `expireOnce` answers the first continue with 410. */
function vmServer(state: { count: number; expireOnce: boolean }) {
  return startTestServer((_request, response, url) => {
    if (!url.pathname.endsWith('/virtualmachines')) {
      if (url.pathname.includes('virtualmachinepools')) return sendJson(response, 404, { message: 'the server could not find the requested resource' });
      return sendJson(response, 200, { items: [] });
    }
    const limit = Number(url.searchParams.get('limit'));
    const start = Number(url.searchParams.get('continue') || '0');
    if (start > 0 && state.expireOnce) {
      state.expireOnce = false;
      return sendJson(response, 410, { kind: 'Status', reason: 'Expired', message: 'continue token expired' });
    }
    const end = Math.min(state.count, start + limit);
    const items = Array.from({ length: end - start }, (_, i) => vm(`vm-${String(start + i).padStart(4, '0')}`));
    sendJson(response, 200, { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineList', metadata: { continue: end < state.count ? String(end) : '' }, items });
  });
}

describe('listKind', () => {
  const state = { count: 0, expireOnce: false };
  let server: TestServer;
  before(async () => (server = await vmServer(state)));
  after(() => server.close());

  it('follows continue tokens and gives items their apiVersion and kind', async () => {
    Object.assign(state, { count: 25, expireOnce: false });
    const client = connect({ kubeconfig: server.kubeconfig });
    const result = await listKind(client, vmKind, 'ns1', { pageSize: 10 });
    assert.equal(result.objects.length, 25);
    assert.equal(client.requestCount, 3);
    assert.equal(result.objects[24]?.metadata.name, 'vm-0024');
    assert.equal(result.objects[0]?.apiVersion, 'kubevirt.io/v1');
    assert.equal(result.objects[0]?.kind, 'VirtualMachine');
  });

  it('relists from the start when the continue token expired (410 Gone)', async () => {
    Object.assign(state, { count: 25, expireOnce: true });
    const client = connect({ kubeconfig: server.kubeconfig });
    const result = await listKind(client, vmKind, 'ns1', { pageSize: 10 });
    assert.deepEqual(
      result.objects.map((o) => o.metadata.name),
      Array.from({ length: 25 }, (_, i) => `vm-${String(i).padStart(4, '0')}`),
    );
    assert.equal(client.requestCount, 5);
  });

  it('reports a kind the apiserver does not serve as unserved, not as an error', async () => {
    const client = connect({ kubeconfig: server.kubeconfig });
    const pools = kindInfo(Kinds.VirtualMachinePool.group, Kinds.VirtualMachinePool.kind)!;
    const result = await listKind(client, pools, 'ns1');
    assert.equal(result.served, false);
  });

  it('discovers 10 and 200 VMs with the same number of requests', async () => {
    const counts: number[] = [];
    for (const count of [10, 200]) {
      Object.assign(state, { count, expireOnce: false });
      const client = connect({ kubeconfig: server.kubeconfig });
      const discovery = await discover(client, { namespaces: ['ns1'] });
      assert.equal(discovery.index.ofKind(Kinds.VirtualMachine.group, Kinds.VirtualMachine.kind).length, count);
      assert.deepEqual(discovery.unserved, ['virtualmachinepools.pool.kubevirt.io']);
      counts.push(client.requestCount);
    }
    assert.equal(counts[0], counts[1]);
    assert.equal(counts[0], NAMESPACED_PLAN.length + CLUSTER_PLAN.length);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClusterError } from '../../errors.ts';
import { connect } from './client.ts';
import { targetOf } from './resource.ts';
import { sendJson, startTestServer, type TestServer } from '../../testing/fake-apiserver.ts';

const fast = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 5 };

describe('ClusterClient', () => {
  let server: TestServer;
  const failuresLeft = new Map<string, number>();
  before(async () => {
    server = await startTestServer((request, response, url) => {
      const left = failuresLeft.get(url.pathname) ?? 0;
      if (url.pathname.endsWith('/reset') && left > 0) {
        failuresLeft.set(url.pathname, left - 1);
        request.socket.destroy();
        return;
      }
      if (left > 0) {
        failuresLeft.set(url.pathname, left - 1);
        if (url.pathname.endsWith('/throttled')) return sendJson(response, 429, { message: 'slow down' }, { 'retry-after': '0' });
        return sendJson(response, 503, { kind: 'Status', message: 'etcd leader changed' });
      }
      if (url.pathname.includes('forbidden')) return sendJson(response, 403, { kind: 'Status', message: 'User "bob" cannot list resource' });
      if (url.pathname.endsWith('/always-down')) return sendJson(response, 503, { message: 'down' });
      assert.equal(request.headers.authorization, 'Bearer test-token');
      sendJson(response, 200, { kind: 'VirtualMachineList', items: [] });
    });
  });
  after(() => server.close());

  const vms = (namespace: string, name?: string) => targetOf('kubevirt.io', 'VirtualMachine', name ? 'get' : 'list', namespace, name);

  it('loads the context namespace and counts every request', async () => {
    const client = connect({ kubeconfig: server.kubeconfig, retryPolicy: fast });
    assert.equal(client.namespace, 'ns1');
    await client.call({ target: vms('ns1') });
    await client.call({ target: vms('ns2') });
    assert.equal(client.requestCount, 2);
    assert.equal(client.retryCount, 0);
  });

  it('retries 5xx, 429 and connection resets, counting the retries', async () => {
    const client = connect({ kubeconfig: server.kubeconfig, retryPolicy: fast });
    failuresLeft.set('/apis/kubevirt.io/v1/namespaces/ns1/virtualmachines/flaky', 2);
    failuresLeft.set('/apis/kubevirt.io/v1/namespaces/ns1/virtualmachines/throttled', 1);
    failuresLeft.set('/apis/kubevirt.io/v1/namespaces/ns1/virtualmachines/reset', 1);
    await client.call({ target: vms('ns1', 'flaky') });
    await client.call({ target: vms('ns1', 'throttled') });
    await client.call({ target: vms('ns1', 'reset') });
    assert.equal(client.requestCount, 7);
    assert.equal(client.retryCount, 4);
  });

  it('gives up after the bound with a message naming the request', async () => {
    const client = connect({ kubeconfig: server.kubeconfig, retryPolicy: fast });
    await assert.rejects(client.call({ target: vms('ns1', 'always-down') }), (error: unknown) => {
      assert.ok(error instanceof ClusterError);
      assert.match(error.message, /get virtualmachines\.kubevirt\.io "always-down" in namespace ns1: HTTP 503: down \(gave up after 4 attempts\)/);
      return true;
    });
    assert.equal(client.requestCount, 4);
  });

  it('maps 403 to the missing permission, without retrying', async () => {
    const client = connect({ kubeconfig: server.kubeconfig, retryPolicy: fast });
    await assert.rejects(client.call({ target: vms('forbidden-ns') }), (error: unknown) => {
      assert.ok(error instanceof ClusterError);
      assert.equal(error.exitCode, 3);
      assert.match(error.message, /cannot list virtualmachines\.kubevirt\.io in namespace forbidden-ns: forbidden \(403\)/);
      assert.match(error.details[0] ?? '', /verb "list" on resource "virtualmachines" in API group kubevirt\.io, in namespace forbidden-ns/);
      assert.match(error.details.join('\n'), /kubectl kvbackup rbac/);
      return true;
    });
    assert.equal(client.requestCount, 1);
  });

  it('rejects an unknown context as a usage error', () => {
    assert.throws(() => connect({ kubeconfig: server.kubeconfig, context: 'nope' }), /context "nope" is not in the kubeconfig/);
  });
});

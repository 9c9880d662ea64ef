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
      if (url.pathname.includes('forbidden')) return sendJson(response, 403, { kind: 'Status', message: 'User "bob" cannot list resource', reason: 'Forbidden' });
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
      assert.equal(error.status, 503);
      assert.equal(error.reason, undefined, 'a body that is no Status object gives no reason');
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
      assert.equal(error.status, 403);
      assert.equal(error.reason, 'Forbidden');
      return true;
    });
    assert.equal(client.requestCount, 1);
  });

  it('rejects an unknown context as a usage error', () => {
    assert.throws(() => connect({ kubeconfig: server.kubeconfig, context: 'nope' }), /context "nope" is not in the kubeconfig/);
  });
});

describe('ClusterClient retries by verb', () => {
  let server: TestServer;
  const stored = new Map<string, unknown>();
  const requests: string[] = [];
  let failNext: 'reset-after-create' | '500' | undefined;
  before(async () => {
    server = await startTestServer((request, response, url) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        requests.push(`${request.method} ${url.pathname}`);
        const failure = failNext;
        failNext = undefined;
        if (request.method === 'POST') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata: { name: string } };
          const key = `${url.pathname}/${body.metadata.name}`;
          if (stored.has(key)) return sendJson(response, 409, { kind: 'Status', reason: 'AlreadyExists', message: 'already exists' });
          stored.set(key, body);
          // The object was created, but the answer is lost: the client cannot tell whether it happened.
          if (failure === 'reset-after-create') return request.socket.destroy();
          return sendJson(response, 201, body);
        }
        if (failure === '500') return sendJson(response, 500, { kind: 'Status', message: 'etcd timeout' });
        if (request.method === 'GET') {
          const found = stored.get(url.pathname);
          return found ? sendJson(response, 200, found) : sendJson(response, 404, { kind: 'Status', message: 'not found' });
        }
        sendJson(response, 200, {});
      });
    });
  });
  after(() => server.close());

  const snapshot = (name: string, labels: Record<string, string>) => ({ apiVersion: 'snapshot.kubevirt.io/v1beta1', kind: 'VirtualMachineSnapshot', metadata: { name, labels } });
  const target = targetOf('snapshot.kubevirt.io', 'VirtualMachineSnapshot', 'create', 'ns1');

  it('reads a named create back when its retry meets its own 409 after an ambiguous failure', async () => {
    const client = connect({ kubeconfig: server.kubeconfig, retryPolicy: fast });
    failNext = 'reset-after-create';
    const created = await client.call<{ metadata: { name: string } }>({ target, body: snapshot('snap-1', { 'kubectl-kvbackup/run': 'r1' }) });
    assert.equal(created.metadata.name, 'snap-1');
    assert.equal(client.retryCount, 1);
    assert.deepEqual(requests.slice(-3), [
      'POST /apis/snapshot.kubevirt.io/v1beta1/namespaces/ns1/virtualmachinesnapshots',
      'POST /apis/snapshot.kubevirt.io/v1beta1/namespaces/ns1/virtualmachinesnapshots',
      'GET /apis/snapshot.kubevirt.io/v1beta1/namespaces/ns1/virtualmachinesnapshots/snap-1',
    ]);
  });

  it('still fails on a 409 for an object that is not its own', async () => {
    const client = connect({ kubeconfig: server.kubeconfig, retryPolicy: fast });
    stored.set('/apis/snapshot.kubevirt.io/v1beta1/namespaces/ns1/virtualmachinesnapshots/snap-2', snapshot('snap-2', { 'kubectl-kvbackup/run': 'someone-else' }));
    await assert.rejects(client.call({ target, body: snapshot('snap-2', { 'kubectl-kvbackup/run': 'r2' }) }), /409|already exists/);
  });

  it('does not send a PATCH again after an ambiguous 500, and says why', async () => {
    const client = connect({ kubeconfig: server.kubeconfig, retryPolicy: fast });
    failNext = '500';
    const patch = targetOf('kubevirt.io', 'VirtualMachine', 'patch', 'ns1', 'vm1');
    await assert.rejects(client.call({ target: patch, body: { spec: {} }, contentType: 'application/merge-patch+json' }), /HTTP 500: etcd timeout \(not retried: it may have been carried out\)/);
    assert.equal(client.requestCount, 1);
  });

  it('retries a GET after the same 500', async () => {
    const client = connect({ kubeconfig: server.kubeconfig, retryPolicy: fast });
    stored.set('/apis/kubevirt.io/v1/namespaces/ns1/virtualmachines/vm1', { metadata: { name: 'vm1' } });
    failNext = '500';
    await client.call({ target: targetOf('kubevirt.io', 'VirtualMachine', 'get', 'ns1', 'vm1') });
    assert.equal(client.requestCount, 2);
  });
});

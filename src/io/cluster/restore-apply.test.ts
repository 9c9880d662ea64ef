import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InputError } from '../../errors.ts';
import type { KubeObject } from '../../model/kube-object.ts';
import { MAX_CONFLICTS } from '../../restore/plan.ts';
import { sendJson, startTestServer, type TestServer } from '../../testing/fake-apiserver.ts';
import { connect } from './client.ts';
import { checkRequestUrl, pathOf, targetOf } from './resource.ts';
import { applyObject } from './restore-apply.ts';
import { ResourceResolver } from './restore-resources.ts';

const fast = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 5 };
const configMap = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns1' }, data: { a: '1' } });

describe('request paths', () => {
  it('never address a collection or a parent: `.`, `..`, empty, `/`, `%` names are refused', () => {
    for (const name of ['..', '.', '', 'a/b', '%2E%2E', 'x\u001b[2J']) {
      assert.throws(() => pathOf(targetOf('', 'PersistentVolumeClaim', 'delete', 'ns1', name)), InputError, JSON.stringify(name));
      if (name !== '') assert.throws(() => pathOf(targetOf('', 'PersistentVolumeClaim', 'get', name, 'pvc')), InputError, JSON.stringify(name));
    }
    assert.equal(pathOf(targetOf('', 'PersistentVolumeClaim', 'delete', 'ns1', 'disk.v1')), '/api/v1/namespaces/ns1/persistentvolumeclaims/disk.v1');
  });

  it('are checked against the parsed URL: a named request whose path lost its name is refused', () => {
    const target = targetOf('', 'PersistentVolumeClaim', 'delete', 'ns1', 'pvc');
    assert.doesNotThrow(() => checkRequestUrl(target, new URL('https://h/prefix/api/v1/namespaces/ns1/persistentvolumeclaims/pvc')));
    assert.throws(() => checkRequestUrl(target, new URL('https://h/api/v1/namespaces/ns1/persistentvolumeclaims/pvc/..')), InputError);
    assert.throws(() => checkRequestUrl({ ...target, name: '..' }, new URL('https://h/api/v1/namespaces/ns1/persistentvolumeclaims/..')), InputError);
  });
});

describe('applyObject', () => {
  let server: TestServer;
  let mode: 'always-conflict' | 'conflict-once' = 'always-conflict';
  let posts = 0;
  before(async () => {
    server = await startTestServer((request, response) => {
      if (request.method === 'GET') return sendJson(response, 404, { kind: 'Status', message: 'not found' });
      if (request.method === 'POST') {
        posts++;
        if (mode === 'always-conflict' || posts === 1) return sendJson(response, 409, { kind: 'Status', message: 'already exists' });
        return sendJson(response, 201, {});
      }
      sendJson(response, 405, {});
    });
  });
  after(() => server.close());

  const apply = (object: KubeObject) => {
    const client = connect({ kubeconfig: server.kubeconfig, retryPolicy: fast });
    return applyObject(client, new ResourceResolver(client), object, { onConflict: 'fail', dryRun: 'none', deadline: Date.now() + 5_000 });
  };

  it(`gives up after ${MAX_CONFLICTS} conflicts instead of recursing without bound`, async () => {
    mode = 'always-conflict';
    posts = 0;
    const result = await apply(configMap('cm'));
    assert.equal(result.outcome, 'failed');
    assert.match(result.message ?? '', /conflicted 3 times/);
    assert.equal(posts, MAX_CONFLICTS);
  });

  it('re-reads and plans again after one conflict', async () => {
    mode = 'conflict-once';
    posts = 0;
    const result = await apply(configMap('cm'));
    assert.equal(result.outcome, 'created');
    assert.equal(posts, 2);
  });

  it('reports an object whose name cannot be addressed as failed, sending nothing for it', async () => {
    const before = server.requests.length;
    const result = await apply(configMap('..'));
    assert.equal(result.outcome, 'failed');
    assert.match(result.message ?? '', /refusing to get configmaps with name ".."/);
    assert.equal(server.requests.length, before);
  });
});

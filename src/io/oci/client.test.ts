import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryError } from '../../errors.ts';
import { makeTempDir } from '../../testing/temp-dir.ts';
import { RegistryClient } from './client.ts';

// A registry that answers with a Bearer challenge and a token service beside it, as the distribution token spec
// describes (the e2e registry uses Basic auth): the client must fetch a token for the repository's scope with the
// stored login, and retry.
describe('RegistryClient auth', () => {
  let dir = '';
  let server: https.Server;
  let host = '';
  const seen: { path: string; authorization: string | undefined }[] = [];

  before(async () => {
    dir = makeTempDir('kvb-oci-client-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (request, response) => {
      const url = new URL(request.url ?? '/', `https://${host}`);
      seen.push({ path: `${url.pathname}${url.search}`, authorization: request.headers.authorization });
      if (url.pathname === '/token') {
        const expected = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
        if (request.headers.authorization !== expected) return void response.writeHead(401).end();
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `token-for-${url.searchParams.get('scope')}` }));
        return;
      }
      if (request.headers.authorization !== 'Bearer token-for-repository:team/app:pull' && request.headers.authorization !== 'Bearer given') {
        response.writeHead(401, { 'www-authenticate': `Bearer realm="https://${host}/token",service="test-registry",scope="repository:team/app:pull"` }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end('{"schemaVersion":2}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(join(dir, 'auth.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers a Bearer challenge with a token fetched for the repository scope with the stored login', async () => {
    seen.length = 0;
    const client = new RegistryClient({ registry: host, repository: 'team/app', tag: 'v1' }, { caFile: join(dir, 'cert.pem'), authFile: join(dir, 'auth.json') }, 'pull');
    try {
      const manifest = await client.getManifest('v1', ['application/vnd.oci.image.index.v1+json']);
      assert.equal(manifest.bytes.toString(), '{"schemaVersion":2}');
      await client.getManifest('v1', ['application/vnd.oci.image.index.v1+json']);
    } finally {
      client.close();
    }
    assert.deepEqual(seen.map((s) => s.path), ['/v2/team/app/manifests/v1', '/token?service=test-registry&scope=repository%3Ateam%2Fapp%3Apull', '/v2/team/app/manifests/v1', '/v2/team/app/manifests/v1']);
    assert.equal(seen[3]?.authorization, 'Bearer token-for-repository:team/app:pull', 'the token is kept for later requests');
  });

  it('sends --registry-token as it is, reading no auth file', async () => {
    seen.length = 0;
    const client = new RegistryClient({ registry: host, repository: 'team/app', tag: 'v1' }, { caFile: join(dir, 'cert.pem'), token: 'given', authFile: join(dir, 'missing.json') }, 'pull');
    try {
      await client.getManifest('v1', ['application/vnd.oci.image.index.v1+json']);
    } finally {
      client.close();
    }
    assert.deepEqual(seen.map((s) => [s.path, s.authorization]), [['/v2/team/app/manifests/v1', 'Bearer given']]);
  });

  it('a token service that refuses the login is one RegistryError line without the secret', async () => {
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from('alice:wrong').toString('base64') } } }));
    const client = new RegistryClient({ registry: host, repository: 'team/app', tag: 'v1' }, { caFile: join(dir, 'cert.pem'), authFile: join(dir, 'wrong.json') }, 'pull');
    try {
      await assert.rejects(client.getManifest('v1', []), (error: unknown) => {
        assert.ok(error instanceof RegistryError);
        assert.match(error.message, /the token service 127\.0\.0\.1:\d+ refused \(401\): wrong or missing login$/);
        assert.doesNotMatch(error.message, /alice|YWxpY2U/, 'no login in the message');
        return true;
      });
    } finally {
      client.close();
    }
  });

  it('an untrusted certificate names --registry-ca-file', async () => {
    const client = new RegistryClient({ registry: host, repository: 'team/app', tag: 'v1' }, { authFile: join(dir, 'auth.json') }, 'pull');
    try {
      await assert.rejects(client.getManifest('v1', []), /trust its CA with --registry-ca-file/);
    } finally {
      client.close();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../errors.ts';
import { authFileCandidates, authFromFile, findStoredAuth } from './auth-files.ts';

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('registry auth files', () => {
  it('reads docker and podman entries: base64 auth, user and password, the most specific key first', () => {
    const document = {
      auths: {
        'https://reg.example.com/v1/': { auth: basic('docker', 'pw1') },
        'reg.example.com/team': { auth: basic('team', 'pw:with:colons') },
        'other.example.com:5000': { username: 'u', password: 'p' },
      },
    };
    assert.deepEqual(authFromFile(document, 'f', 'reg.example.com', 'team/app'), { type: 'basic', credentials: { username: 'team', password: 'pw:with:colons' }, file: 'f' });
    assert.deepEqual(authFromFile(document, 'f', 'reg.example.com', 'elsewhere/app'), { type: 'basic', credentials: { username: 'docker', password: 'pw1' }, file: 'f' });
    assert.deepEqual(authFromFile(document, 'f', 'other.example.com:5000', 'x'), { type: 'basic', credentials: { username: 'u', password: 'p' }, file: 'f' });
    assert.equal(authFromFile(document, 'f', 'unknown.example.com', 'x'), undefined);
  });

  it('prefers an identity token, then per-registry helpers, then the global store', () => {
    assert.deepEqual(authFromFile({ auths: { r: { auth: basic('<token>', ''), identitytoken: 'refresh' } } }, 'f', 'r', 'x'), { type: 'identity-token', username: '<token>', token: 'refresh', file: 'f' });
    const helpers = { auths: {}, credHelpers: { r: 'ecr-login' }, credsStore: 'desktop' };
    assert.deepEqual(authFromFile(helpers, 'f', 'r', 'x'), { type: 'helper', helper: 'ecr-login', file: 'f' });
    assert.deepEqual(authFromFile(helpers, 'f', 'other', 'x'), { type: 'helper', helper: 'desktop', file: 'f' });
  });

  it('names the file and key of a malformed auth, never its value', () => {
    assert.throws(
      () => authFromFile({ auths: { r: { auth: Buffer.from('no-colon-secret').toString('base64') } } }, '/home/u/.docker/config.json', 'r', 'x'),
      (error: unknown) => error instanceof InputError && error.message === '/home/u/.docker/config.json: the auth of r is not base64 of user:password',
    );
  });

  it('looks where podman and docker keep them, or only in $REGISTRY_AUTH_FILE', () => {
    assert.deepEqual(authFileCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/u'), ['/run/user/1000/containers/auth.json', '/home/u/.config/containers/auth.json', '/home/u/.docker/config.json']);
    assert.deepEqual(authFileCandidates({ DOCKER_CONFIG: '/etc/docker-cfg' }, '/home/u'), ['/home/u/.config/containers/auth.json', '/etc/docker-cfg/config.json']);
    assert.deepEqual(authFileCandidates({ REGISTRY_AUTH_FILE: '/a.json', XDG_RUNTIME_DIR: '/run' }, '/home/u'), ['/a.json']);
  });

  it('reads the files in order, skipping missing ones; a file that is not JSON is an input error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kvb-auth-'));
    try {
      const first = join(dir, 'auth.json');
      const second = join(dir, 'config.json');
      await writeFile(first, JSON.stringify({ auths: { a: { auth: basic('ua', 'pa') } } }));
      await writeFile(second, JSON.stringify({ auths: { b: { auth: basic('ub', 'pb') } } }));
      assert.equal((await findStoredAuth('b', 'x', [join(dir, 'missing.json'), first, second]))?.file, second);
      await writeFile(first, 'not json');
      await assert.rejects(findStoredAuth('b', 'x', [first, second]), /auth\.json: the registry auth file is not JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

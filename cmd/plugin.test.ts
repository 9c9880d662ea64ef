// Packaging: the `npm pack` tarball installs globally and kubectl discovers and runs it as a plugin.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { REPO_ROOT } from '../src/testing/run-cli.ts';

describe('installed as a kubectl plugin', () => {
  let prefix = '';
  let env: NodeJS.ProcessEnv = {};

  before(() => {
    prefix = mkdtempSync(join(tmpdir(), 'kvbackup-global-'));
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', prefix], { cwd: REPO_ROOT, encoding: 'utf8' });
    const tarball = join(prefix, packed.trim().split('\n').at(-1) ?? '');
    execFileSync('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: prefix,
      stdio: 'ignore',
    });
    // Node first on PATH is the one running the tests, so the installed shebang finds a supported Node.
    env = { ...process.env, PATH: [join(prefix, 'bin'), dirname(process.execPath), process.env['PATH']].join(delimiter) };
  });

  after(() => rmSync(prefix, { recursive: true, force: true }));

  it('puts kubectl-kvbackup on PATH', () => {
    assert.ok(existsSync(join(prefix, 'bin', 'kubectl-kvbackup')));
  });

  it('is listed by kubectl plugin list', () => {
    const result = spawnSync('kubectl', ['plugin', 'list'], { env, encoding: 'utf8' });
    assert.match(result.stdout, /kubectl-kvbackup/);
  });

  it('installs the completion hook kubectl looks for', () => {
    const result = spawnSync('kubectl_complete-kvbackup', ['tr'], { env, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^transform$/m);
  });

  it('runs as kubectl kvbackup', () => {
    const result = spawnSync('kubectl', ['kvbackup', 'version'], { env, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^kubectl-kvbackup \d+\.\d+\.\d+ \(bundle format v1alpha2/);
  });
});

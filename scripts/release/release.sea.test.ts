// The release as a user gets it: the linux-amd64 archive matches its sha256 and the krew manifest, and the single
// executable inside runs `version`, an offline `graph` and the completion hook with no Node.js on PATH.
// Needs `npm run release -- --platforms linux-amd64` first (CI runs both).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { makeTempDir } from '../../src/testing/temp-dir.ts';
import { REPO_ROOT } from '../../src/testing/run-cli.ts';

const RELEASE = join(REPO_ROOT, 'release');
const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const archiveName = `kubectl-kvbackup-v${version}-linux-amd64.tar.gz`;

describe('the linux-amd64 release', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  before(() => {
    assert.ok(existsSync(join(RELEASE, archiveName)), `no ${archiveName}: run npm run release -- --platforms linux-amd64 first`);
    dir = makeTempDir('kvbackup-sea-');
    execFileSync('tar', ['-xzf', join(RELEASE, archiveName), '-C', dir]);
    // A PATH with a shell for the completion hook and the plugin's own directory, and no node anywhere.
    const bin = join(dir, 'path');
    mkdirSync(bin);
    symlinkSync('/bin/sh', join(bin, 'sh'));
    env = { PATH: [dir, bin].join(':'), HOME: dir };
  });

  it('has the sha256 that SHA256SUMS and the krew manifest give', () => {
    const sha256 = createHash('sha256').update(readFileSync(join(RELEASE, archiveName))).digest('hex');
    assert.match(readFileSync(join(RELEASE, 'SHA256SUMS'), 'utf8'), new RegExp(`^${sha256}  ${archiveName.replace(/\./g, '\\.')}$`, 'm'));
    const manifest = parse(readFileSync(join(REPO_ROOT, 'krew', 'kvbackup.yaml'), 'utf8')) as { spec: { version: string; platforms: { selector: { matchLabels: Record<string, string> }; sha256: string; uri: string; bin: string }[] } };
    assert.equal(manifest.spec.version, `v${version}`);
    const platform = manifest.spec.platforms.find((entry) => entry.selector.matchLabels['os'] === 'linux' && entry.selector.matchLabels['arch'] === 'amd64');
    assert.ok(platform, 'krew lists linux/amd64');
    assert.equal(platform.sha256, sha256);
    assert.ok(platform.uri.endsWith(`/${archiveName}`));
    assert.equal(platform.bin, 'kubectl-kvbackup');
  });

  it('holds the executable, the completion hook and the licence', () => {
    const listing = execFileSync('tar', ['-tvzf', join(RELEASE, archiveName)], { encoding: 'utf8' });
    assert.match(listing, /^-rwxr-xr-x root\/root .* kubectl-kvbackup$/m);
    assert.match(listing, /^-rwxr-xr-x root\/root .* kubectl_complete-kvbackup$/m);
    assert.match(listing, /^-rw-r--r-- root\/root .* LICENSE$/m);
  });

  it('runs version with no node on PATH', () => {
    assert.notEqual(spawnSync('sh', ['-c', 'command -v node'], { env, encoding: 'utf8' }).status, 0, 'node must not be on PATH');
    const result = spawnSync(join(dir, 'kubectl-kvbackup'), ['version', '-o', 'json'], { env, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { version: string }).version, version);
  });

  it('draws the same graph offline as the source does', () => {
    const scenario = join(REPO_ROOT, 'testdata', 'graph', 'running-vm');
    const result = spawnSync(join(dir, 'kubectl-kvbackup'), ['graph', '-f', join(scenario, 'input.yaml'), '-o', 'json'], { env, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), JSON.parse(readFileSync(join(scenario, 'expected.json'), 'utf8')));
  });

  it('answers kubectl plugin completion through its hook', () => {
    const result = spawnSync(join(dir, 'kubectl_complete-kvbackup'), ['tr'], { env, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'transform\n:4\n');
  });

  it('reports a usage error as the script does', () => {
    const result = spawnSync(join(dir, 'kubectl-kvbackup'), ['graph', '-o', 'json', '-o', 'yaml'], { env, encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^error: --output was given more than once; it takes one value$/m);
  });
});

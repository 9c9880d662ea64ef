// kubectl's habits at the command line: repeatable -f and -R, -o name and jsonpath, -v levels, warnings and --strict,
// empty input, and file system failures reported as one line naming the path.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_ENTRY, runCli, type CliResult } from '../src/testing/run-cli.ts';
import { makeTempDir } from '../src/testing/temp-dir.ts';
import { sendJson, startTestServer, type TestServer } from '../src/testing/fake-apiserver.ts';

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n`;
const vm = (name: string, apiVersion = 'kubevirt.io/v1', kind = 'VirtualMachine') => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: ${name}}\nspec: {}\n`;

function oneError(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('error: '));
  assert.equal(errors.length, 1, result.stderr);
  assert.match(errors[0] ?? '', pattern);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
}

describe('input flags as kubectl has them', () => {
  let dir = '';
  before(() => {
    dir = makeTempDir('kvbackup-habits-');
    writeFileSync(join(dir, 'a.yaml'), configMap('a'));
    mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'tree', 'b.yaml'), configMap('b'));
    writeFileSync(join(dir, 'tree', 'sub', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c' } }));
    writeFileSync(join(dir, 'tree', 'notes.txt'), 'not a manifest');
    mkdirSync(join(dir, 'empty'));
  });

  it('takes -f more than once, or comma-separated, and -R for subdirectories', async () => {
    const names = async (...args: string[]) => (await runCli(['graph', ...args, '-o', 'name'], { cwd: dir })).stdout.toString();
    assert.equal(await names('-f', 'a.yaml', '-f', 'tree'), 'configmap/a\nconfigmap/b\n');
    assert.equal(await names('-f', 'a.yaml,tree'), 'configmap/a\nconfigmap/b\n');
    assert.equal(await names('-f', 'tree', '-R'), 'configmap/b\nsecret/c\n');
    assert.equal(await names('-f', 'tree', '--recursive', '-f', '-'), 'configmap/b\nsecret/c\n');
  });

  it('refuses empty input as kubectl apply does', async () => {
    oneError(await runCli(['transform', '-f', 'empty', '--seed', 's'], { cwd: dir }), 1, /^error: no objects passed to transform \(empty holds none\)$/);
    oneError(await runCli(['restore', '-f', '-'], { stdin: '# nothing\n', cwd: dir, offline: false }), 1, /no objects passed to restore/);
  });

  it('prints -o name and JSONPath templates for objects and documents', async () => {
    const transformed = await runCli(['transform', '-f', 'a.yaml', '-f', 'tree', '-R', '--seed', 's', '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.name}{"\\n"}{end}'], { cwd: dir });
    assert.equal(transformed.code, 0, transformed.stderr);
    assert.equal(transformed.stdout.toString(), 'ConfigMap/a\nConfigMap/b\nSecret/c\n');
    assert.equal((await runCli(['transform', '-f', 'a.yaml', '--seed', 's', '-o', 'name'], { cwd: dir })).stdout.toString(), 'configmap/a\n');
    assert.equal((await runCli(['rbac', '-o', 'name'])).stdout.toString(), 'clusterrole.rbac.authorization.k8s.io/kubectl-kvbackup-export\n');
    writeFileSync(join(dir, 'template.txt'), '{.metadata.name}\n');
    assert.equal((await runCli(['rbac', '-o', `jsonpath-file=${join(dir, 'template.txt')}`])).stdout.toString(), 'kubectl-kvbackup-export');
    const graph = await runCli(['graph', '-f', 'a.yaml', '-o', 'jsonpath={.nodes[*].name}'], { cwd: dir });
    assert.equal(graph.stdout.toString(), 'a');
    oneError(await runCli(['rbac', '-o', 'jsonpath-file=missing.txt'], { cwd: dir }), 1, /^error: missing\.txt: no such file or directory$/);
  });

  it('warns once per object about unknown KubeVirt kinds and versions, and refuses them with --strict', async () => {
    writeFileSync(join(dir, 'typos.yaml'), `${vm('a', 'kubevirt.io/v1', 'VirtualMachin')}---\n${vm('b', 'kubevirt.io/v2')}---\n${vm('c')}`);
    const warned = await runCli(['graph', '-f', 'typos.yaml', '-o', 'name'], { cwd: dir });
    assert.equal(warned.code, 0, warned.stderr);
    assert.deepEqual(warned.stderr.trim().split('\n'), [
      'warning: typos.yaml: document 1: unknown kind VirtualMachin in kubevirt.io',
      'warning: typos.yaml: document 2: unknown version kubevirt.io/v2 of VirtualMachine (kubevirt.io serves v1, v1alpha3)',
    ]);
    const strict = await runCli(['graph', '-f', 'typos.yaml', '--strict'], { cwd: dir });
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /^error: typos\.yaml: document 1: unknown kind VirtualMachin in kubevirt\.io\n {2}typos\.yaml: document 2: unknown version/);
    assert.equal(strict.stdout.length, 0);
  });

  it('never lets the YAML library warn on its own', async () => {
    const result = await runCli(['graph', '-f', '-'], { stdin: `${configMap('a')}data:\n  ? [a, b]\n  : x\n` });
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stderr, /Warning|stringified/);
    assert.match(result.stderr, /^error: <stdin>:5:5: invalid YAML: a mapping key is a list; keys must be scalars$/m);
  });
});

describe('file system failures: one line naming the path, exit 1', () => {
  let dir = '';
  before(() => {
    dir = makeTempDir('kvbackup-paths-');
    writeFileSync(join(dir, 'a.yaml'), configMap('a'));
    mkdirSync(join(dir, 'real'));
  });

  const cases: [string, () => string[], RegExp][] = [
    ['an output directory that does not exist', () => ['--output-file', join(dir, 'nodir', 'out.yaml')], /nodir\/out\.yaml: no such file or directory$/],
    ['an output file that is a directory', () => ['--output-file', join(dir, 'real')], /real: is a directory$/],
    ['an output name that is too long', () => ['--output-file', join(dir, 'x'.repeat(300))], /: file name too long$/],
    ['an output path through a file', () => ['--output-file', join(dir, 'a.yaml', 'out.yaml')], /a\.yaml\/out\.yaml: a part of the path is not a directory$/],
    ['a report into a directory that does not exist', () => ['--report', join(dir, 'nodir', 'r.json'), '--output-file', join(dir, 'out.yaml')], /nodir\/r\.json: no such file or directory$/],
  ];
  for (const [name, extra, pattern] of cases) {
    it(name, async () => {
      const before = readdirSync(dir).sort();
      const result = await runCli(['transform', '-f', join(dir, 'a.yaml'), '--seed', 's', '-o', 'yaml', ...extra()]);
      oneError(result, 1, pattern);
      assert.equal(result.stdout.length, 0, 'nothing is written first');
      assert.deepEqual(readdirSync(dir).sort(), before, 'nothing is left behind');
      assert.deepEqual(readdirSync(join(dir, 'real')), []);
    });
  }

  it('names a kubeconfig that cannot be read', async () => {
    oneError(await runCli(['graph', '--kubeconfig', join(dir, 'missing-kubeconfig')], { offline: false }), 1, /missing-kubeconfig: no such file or directory$/);
  });

  it('writes through a symbolic link into the directory it points to, leaving the link', async () => {
    symlinkSync(join(dir, 'real', 'target.yaml'), join(dir, 'link.yaml'));
    const result = await runCli(['transform', '-f', join(dir, 'a.yaml'), '--seed', 's', '-o', 'yaml', '--output-file', join(dir, 'link.yaml')]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(lstatSync(join(dir, 'link.yaml')).isSymbolicLink());
    assert.match(readFileSync(join(dir, 'real', 'target.yaml'), 'utf8'), /name: a/);
    assert.deepEqual(readdirSync(join(dir, 'real')), ['target.yaml']);
  });

  it('writes to a device as it is, and reports a full disk instead of succeeding', async () => {
    assert.ok(statSync('/dev/full').isCharacterDevice(), 'this test needs /dev/full');
    oneError(await runCli(['graph', '-f', join(dir, 'a.yaml'), '--output-file', '/dev/full']), 1, /^error: \/dev\/full: no space left on device$/);
    assert.ok(statSync('/dev/full').isCharacterDevice(), 'the device is still there');
    const full = openSync('/dev/full', 'w');
    try {
      const result = spawnSync(process.execPath, [CLI_ENTRY, 'graph', '-f', join(dir, 'a.yaml')], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /^error: stdout: no space left on device$/m);
    } finally {
      closeSync(full);
    }
  });
});

describe('-v levels', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer((_request, response) => sendJson(response, 200, { items: [] }));
  });
  after(() => server.close());

  it('logs every request at -v=6, as kubectl does, and only the count at -v=1', async () => {
    const six = await runCli(['graph', '--kubeconfig', server.kubeconfig, '-n', 'ns1', '-v=6'], { offline: false });
    assert.equal(six.code, 0, six.stderr);
    assert.match(six.stderr, /^GET http:\/\/127\.0\.0\.1:\d+\/apis\/kubevirt\.io\/v1\/namespaces\/ns1\/virtualmachines\?limit=\d+ 200 OK in \d+ milliseconds$/m);
    const one = await runCli(['graph', '--kubeconfig', server.kubeconfig, '-n', 'ns1', '-v', '1'], { offline: false });
    assert.doesNotMatch(one.stderr, /^GET /m);
    assert.match(one.stderr, /API requests/);
  });
});

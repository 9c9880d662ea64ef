// The executable as users meet it: help, version, exit codes, one-line errors, pipes, offline-ness.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, readdirSync, statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI_ENTRY, REPO_ROOT, runCli } from '../src/testing/run-cli.ts';
import { peerManifestFiles, peerManifestText } from '../src/testing/peer-manifests.ts';
import { parseYaml } from '../src/io/term/render.ts';
import { commands } from './index.ts';
import { makeTempDir } from '../src/testing/temp-dir.ts';

const STACK_LINE = /^\s+at /m;

/** Asserts a user-facing failure: the exit code, exactly one `error:` line, and no stack trace. */
function assertOneLineError(result: { code: number | null; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('error: '));
  assert.equal(errorLines.length, 1, `one error line in: ${result.stderr}`);
  assert.match(errorLines[0] ?? '', pattern);
  assert.doesNotMatch(result.stderr, STACK_LINE);
}

function tempDir(): string {
  return makeTempDir('kvbackup-cli-');
}

const vmManifests = peerManifestText('vm_with_dv_and_dvtemplate.yaml') + '---\n' + peerManifestText('blank_datavolume.yaml');

describe('kubectl-kvbackup', () => {
  it('lists every registered command in --help', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    for (const command of commands) {
      const name = String(command.command).split(' ')[0] ?? '';
      assert.match(result.stdout.toString(), new RegExp(`kubectl kvbackup ${name}\\b`), name);
    }
  });

  for (const command of commands) {
    const name = String(command.command).split(' ')[0] ?? '';
    it(`prints help for ${name}`, async () => {
      const result = await runCli([name, '--help']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout.toString(), new RegExp(`kubectl kvbackup ${name}`));
    });
  }

  it('prints its version and the bundle format', async () => {
    const text = await runCli(['version']);
    assert.equal(text.code, 0);
    assert.match(text.stdout.toString(), /^kubectl-kvbackup \d+\.\d+\.\d+ \(bundle format v1alpha2, node v\d+/);
    const json = JSON.parse((await runCli(['version', '-o', 'json'])).stdout.toString());
    assert.equal(json.bundleFormat, 'v1alpha2');
  });

  describe('usage errors exit 2 with one line', () => {
    const cases: [string, string[], RegExp][] = [
      ['no command', [], /name a command/],
      ['unknown command', ['frobnicate'], /Unknown argument: frobnicate/],
      ['unknown flag', ['graph', '-f', '-', '--bogus'], /Unknown argument: bogus/],
      ['bad output format', ['graph', '-f', '-', '-o', 'xml'], /--output "xml" is not one of tree, json, yaml, dot, name, jsonpath=<template>, jsonpath-file=<file>/],
      ['a repeated single-value flag', ['graph', '-f', '-', '-o', 'json', '-o', 'yaml'], /--output was given more than once; it takes one value/],
      ['a repeated namespace', ['transform', '-f', '-', '-n', 'a', '-n', 'b'], /--namespace was given more than once/],
      ['a bad JSONPath template', ['graph', '-f', '-', '-o', 'jsonpath={range .nodes[*]}'], /--output jsonpath: \{range\} without \{end\}/],
      ['-v without a level', ['graph', '-f', '-', '-v'], /Not enough arguments following: v/],
      ['--report - with the output on stdout', ['transform', '-f', '-', '--report', '-'], /--report - and the output both go to stdout/],
      ['missing -f', ['transform'], /Missing required argument: filename/],
      ['both namespace flags', ['transform', '-f', '-', '--target-namespace', 'a', '--namespace-map', 'b=c'], /mutually exclusive/],
      ['malformed pair', ['transform', '-f', '-', '--storage-class-map', 'nope'], /--storage-class-map expects old=new/],
      ['bad run strategy', ['transform', '-f', '-', '--run-strategy', 'Sometimes'], /Invalid values/],
      ['push without a destination', ['push', 'b.kvb'], /Not enough non-option arguments/],
      ['push to something not oci://', ['push', '-', 'b.kvb'], /^error: b\.kvb: not a registry reference \(oci:\/\/HOST\/REPOSITORY:TAG\)$/],
      ['an invalid repository', ['push', '-', 'oci://127.0.0.1:1/Upper:x'], /invalid repository "Upper"/],
      ['pull of a file', ['pull', 'b.kvb'], /b\.kvb: pull reads oci:\/\/HOST\/REPOSITORY:TAG/],
      ['export to a registry', ['export', '--output-file', 'oci://h/r:t'], /export writes a file or stdout; send it to a registry with: .* push - oci:\/\/h\/r:t/],
      ['merge without -f', ['merge'], /Missing required argument: filename/],
      ['merge of stdin', ['merge', '-f', '-'], /merge reads files/],
      ['--base without --incremental', ['export', 'vm1', '--base', 'x.kvb'], /Missing dependent arguments:\n? ?base -> incremental|--base needs --incremental/],
    ];
    for (const [name, args, pattern] of cases) {
      it(name, async () => assertOneLineError(await runCli(args), 2, pattern));
    }
  });

  describe('input errors exit 1 with one line naming the input', () => {
    const cases: [string, string, RegExp][] = [
      ['malformed YAML', 'kind: x\nmetadata:\n  name: a\n   bad: 1\n', /^error: <stdin>:3:9: invalid YAML: /],
      ['malformed JSON', '{"kind":\n  "x",,}', /^error: <stdin>:2:7: invalid JSON: /],
      ['a map as a mapping key', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  { KEY }: x\n', /^error: <stdin>:5:3: invalid YAML: a mapping key is a map; keys must be scalars$/],
      ['no apiVersion', 'kind: ConfigMap\nmetadata: {name: a}\n', /<stdin>: object has no apiVersion/],
      ['no kind', 'apiVersion: v1\nmetadata: {name: a}\n', /<stdin>: object has no kind/],
      ['no name', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', /<stdin>: ConfigMap has no metadata.name/],
      ['a scalar document', 'just text\n', /<stdin>: expected a Kubernetes object/],
      [
        'duplicate identity',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n',
        /duplicate object ConfigMap default\/a \(in <stdin>: document 1 and <stdin>: document 2\)/,
      ],
      [
        'YAML alias bomb',
        'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
        /<stdin>: Excessive alias count/,
      ],
    ];
    for (const [name, stdin, pattern] of cases) {
      it(name, async () => assertOneLineError(await runCli(['graph', '-f', '-'], { stdin }), 1, pattern));
    }

    it('merge of a file that is not a bundle', async () => {
      const dir = tempDir();
      const path = join(dir, 'not-a-bundle.yaml');
      writeFileSync(path, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
      assertOneLineError(await runCli(['merge', '-f', path, '--output-file', join(dir, 'out.kvb')]), 1, /not-a-bundle\.yaml/);
      assert.equal(existsSync(join(dir, 'out.kvb')), false);
    });

    it('a missing file', async () => {
      assertOneLineError(await runCli(['graph', '-f', 'does-not-exist.yaml']), 1, /does-not-exist.yaml: no such file or directory/);
    });

    it('a registry that does not answer (exit 3), and a push of a file that is not a bundle (exit 1)', async () => {
      assertOneLineError(await runCli(['inspect', 'oci://127.0.0.1:1/x:y']), 3, /^error: registry 127\.0\.0\.1:1: .*ECONNREFUSED/);
      assertOneLineError(await runCli(['push', '-', 'oci://127.0.0.1:1/x:y'], { stdin: 'not a bundle at all\n' }), 1, /<stdin>/);
    });
  });

  it('leaves no output file behind when it fails', async () => {
    const dir = tempDir();
    const result = await runCli(['transform', '-f', '-', '--output-file', join(dir, 'out.yaml')], { stdin: 'kind: [' });
    assert.equal(result.code, 1);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('transforms manifests from stdin to stdout as a pipe, diagnostics on stderr', async () => {
    const result = await runCli(['transform', '-f', '-', '-o', 'yaml', '--seed', 'pipe'], { stdin: vmManifests });
    assert.equal(result.code, 0, result.stderr);
    const documents = result.stdout.toString().split(/^---$/m).map((text) => parseYaml(text, '1.1') as { kind: string });
    assert.deepEqual(documents.map((document) => document.kind).sort(), ['DataVolume', 'VirtualMachine']);
    assert.doesNotMatch(result.stdout.toString(), /seed/);
  });

  it('prints a random seed on stderr when none is given, and reproduces with it', async () => {
    const first = await runCli(['transform', '-f', '-', '-o', 'json'], { stdin: vmManifests });
    assert.equal(first.code, 0, first.stderr);
    const seed = /seed (\S+)/.exec(first.stderr)?.[1];
    assert.ok(seed, first.stderr);
    const again = await runCli(['transform', '-f', '-', '-o', 'json', '--seed', seed], { stdin: vmManifests });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.toString(), first.stdout.toString());
  });

  it('gives byte-identical output for shuffled input', async () => {
    // Two pairs of upstream files share an identity (test-dv; the instancetype VM); keep one of each.
    const files = peerManifestFiles().filter((file) => !['vm_with_clusterinstancetype_and_clusterpreference.yaml', 'dv_with_guest_agent_image.yaml'].includes(file));
    const texts = files.map((file) => peerManifestText(file));
    const forward = await runCli(['transform', '-f', '-', '-o', 'yaml', '--seed', 's'], { stdin: texts.join('---\n') });
    const backward = await runCli(['transform', '-f', '-', '-o', 'yaml', '--seed', 's'], { stdin: [...texts].reverse().join('---\n') });
    assert.equal(forward.code, 0, forward.stderr);
    assert.equal(backward.stdout.toString(), forward.stdout.toString());
    const graphForward = await runCli(['graph', '-f', '-', '-o', 'json'], { stdin: texts.join('---\n') });
    const graphBackward = await runCli(['graph', '-f', '-', '-o', 'json'], { stdin: [...texts].reverse().join('---\n') });
    assert.equal(graphBackward.stdout.toString(), graphForward.stdout.toString());
  });

  it('reads a directory of manifests, not recursively', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'vm.yaml'), peerManifestText('vm_with_dv_and_dvtemplate.yaml'));
    writeFileSync(join(dir, 'dv.yml'), peerManifestText('blank_datavolume.yaml'));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    const result = await runCli(['graph', '-f', dir, '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const graph = JSON.parse(result.stdout.toString()) as { nodes: { kind: string; name: string; missing?: boolean }[] };
    const dv = graph.nodes.find((node) => node.kind === 'DataVolume' && node.name === 'test-dv');
    assert.ok(dv && !dv.missing);
  });

  it('exits 1 with --require-complete and lists what is missing', async () => {
    const result = await runCli(['graph', '-f', '-', '--require-complete', '-o', 'json'], {
      stdin: peerManifestText('vm_with_dv_and_dvtemplate.yaml'),
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: the graph is incomplete/m);
    assert.match(result.stderr, /DataVolume\.cdi\.kubevirt\.io default\/test-dv/);
    const complete = await runCli(['graph', '-f', '-', '--require-complete', '-o', 'json'], { stdin: vmManifests });
    assert.equal(complete.code, 0, complete.stderr);
  });

  it('refuses to write a bundle to a terminal', () => {
    // script(1) runs the command on a pseudo-terminal, as a user typing it without a redirect would.
    const command = [process.execPath, CLI_ENTRY, 'transform', '-f', 'testdata/bundles/good/minimal.tar', '--seed', 't']
      .map((word) => `'${word}'`)
      .join(' ');
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stdout, /error: refusing to write a bundle to a terminal/);
  });

  it('writes a bundle file with mode 0600 and reads it back through a pipe', async () => {
    const dir = tempDir();
    const bundle = join(dir, 'vms.tar');
    const written = await runCli(['transform', '-f', '-', '-o', 'bundle', '--seed', 'b', '--output-file', bundle], { stdin: vmManifests });
    assert.equal(written.code, 0, written.stderr);
    assert.equal(statSync(bundle).mode & 0o777, 0o600);
    const piped = await runCli(['transform', '-f', '-', '--seed', 'b2', '--target-namespace', 'other'], { stdin: readFileSync(bundle) });
    assert.equal(piped.code, 0, piped.stderr);
    const validated = await runCli(['validate', '-f', '-'], { stdin: piped.stdout });
    assert.equal(validated.code, 0, validated.stderr + validated.stdout.toString());
    const inspected = await runCli(['inspect', '-f', '-', '-o', 'json'], { stdin: piped.stdout });
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.match(inspected.stdout.toString(), /"other"/);
  });
});

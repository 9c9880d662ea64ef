// Completion as shells and kubectl ask for it: the __complete protocol, the scripts, and kubectl's plugin hook.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { complete, Directive, type CompletionSources } from './complete.ts';
import { completionScript, SHELLS } from './completion.ts';
import { commands } from './index.ts';
import { CLI_ENTRY, runCli } from '../src/testing/run-cli.ts';
import { makeTempDir } from '../src/testing/temp-dir.ts';

/** A cluster that answers at once, recording what it was asked. */
function fakeCluster(): CompletionSources & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async namespaces(connection) {
      asked.push(`namespaces ${connection.context ?? ''}`);
      return ['prod', 'staging', 'default'];
    },
    async virtualMachines(connection) {
      asked.push(`vms ${connection.namespace ?? '(context)'} ${connection.context ?? ''}`);
      return ['db-1', 'db-2', 'web'];
    },
    async contexts() {
      return ['source', 'target'];
    },
  };
}

describe('__complete', () => {
  const names = commands.map((command) => String(command.command).split(' ')[0]);

  it('offers the commands first, with no file names', async () => {
    assert.deepEqual(await complete(['']), { candidates: names, directive: Directive.noFileComp });
    assert.deepEqual(await complete(['tr']), { candidates: ['transform'], directive: Directive.noFileComp });
  });

  it("offers a command's flags, long and short", async () => {
    const long = await complete(['transform', '--ta']);
    assert.deepEqual(long.candidates, ['--target-namespace']);
    const all = await complete(['export', '-']);
    for (const flag of ['--snapshot', '--no-gzip', '-n', '-A', '--context', '-v', '--progress']) assert.ok(all.candidates.includes(flag), flag);
    assert.equal(all.directive, Directive.noFileComp);
  });

  it('leaves file flags to the shell: files for -f, --output-file, --report, --kubeconfig', async () => {
    for (const words of [['transform', '-f', ''], ['graph', '--filename', 'x'], ['transform', '--output-file', ''], ['transform', '--report', ''], ['export', '--kubeconfig', ''], ['inspect', '']]) {
      assert.deepEqual(await complete(words), { candidates: [], directive: Directive.default }, words.join(' '));
    }
  });

  it('offers choices and output formats', async () => {
    assert.deepEqual((await complete(['transform', '--mac', ''])).candidates, ['remap', 'clear', 'keep']);
    assert.deepEqual((await complete(['graph', '-o', ''])).candidates, ['tree', 'json', 'yaml', 'dot', 'name', 'jsonpath=', 'jsonpath-file=']);
    assert.deepEqual((await complete(['graph', '--output=js'])).candidates, ['--output=json', '--output=jsonpath=', '--output=jsonpath-file=']);
    assert.deepEqual((await complete(['completion', ''])).candidates, [...SHELLS]);
  });

  it('offers namespaces, contexts and VM names from the cluster', async () => {
    const cluster = fakeCluster();
    assert.deepEqual((await complete(['export', '-n', 'st'], cluster)).candidates, ['staging']);
    assert.deepEqual((await complete(['restore', '--context', ''], cluster)).candidates, ['source', 'target']);
    assert.deepEqual((await complete(['export', '--context', 'source', '-n', 'prod', 'db'], cluster)).candidates, ['db-1', 'db-2']);
    assert.deepEqual(cluster.asked, ['namespaces ', 'vms prod source']);
  });

  it('offers nothing, quickly and silently, when the cluster does not answer', async () => {
    const silent: CompletionSources = { namespaces: () => new Promise(() => {}), virtualMachines: () => Promise.reject(new Error('connection refused')), contexts: async () => [] };
    const started = Date.now();
    assert.deepEqual(await complete(['export', '-n', ''], silent), { candidates: [], directive: Directive.noFileComp });
    assert.deepEqual(await complete(['export', ''], silent), { candidates: [], directive: Directive.noFileComp });
    assert.ok(Date.now() - started < 5000, 'bounded by the completion timeout');
  });
});

describe('completion scripts', () => {
  it('prints a script per shell, and help instead of a script for --help', async () => {
    for (const shell of SHELLS) {
      const result = await runCli(['completion', shell]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.toString(), completionScript(shell));
      assert.match(result.stdout.toString(), /__complete/);
    }
    assert.match((await runCli(['completion', 'fish'])).stdout.toString(), /^complete -c kubectl-kvbackup /m);
    const help = await runCli(['completion', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout.toString(), /kubectl kvbackup completion \[shell\]/);
    assert.doesNotMatch(help.stdout.toString(), /_kubectl_kvbackup\(\)/);
    assert.equal((await runCli(['completion', 'tcsh'])).code, 2);
  });

  it('completes file names and commands in a real bash', () => {
    const dir = makeTempDir('kvbackup-bash-');
    // The executable the script calls, on PATH as an installed one would be.
    const shim = join(dir, 'kubectl-kvbackup');
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI_ENTRY}" "$@"\n`);
    chmodSync(shim, 0o755);
    writeFileSync(join(dir, 'vms.yaml'), '');
    const script = `${completionScript('bash')}
cd "${dir}"
COMP_WORDS=(kubectl-kvbackup tr); COMP_CWORD=1; _kubectl_kvbackup; echo "commands: \${COMPREPLY[*]}"
COMP_WORDS=(kubectl-kvbackup graph -f vm); COMP_CWORD=3; _kubectl_kvbackup; echo "files: \${COMPREPLY[*]}"
COMP_WORDS=(kubectl-kvbackup transform --run-strategy Ha); COMP_CWORD=3; _kubectl_kvbackup; echo "values: \${COMPREPLY[*]}"
`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env['PATH']}` } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^commands: transform$/m);
    assert.match(result.stdout, /^files: vms\.yaml$/m);
    assert.match(result.stdout, /^values: Halted$/m);
  });

  it("answers kubectl's plugin completion hook in Cobra's protocol", () => {
    const hook = fileURLToPath(new URL('./kubectl_complete-kvbackup.ts', import.meta.url));
    const result = spawnSync(process.execPath, [hook, 'transform', '--target'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '--target-namespace\n:4\n');
    const files = spawnSync(process.execPath, [hook, 'transform', '-f', ''], { encoding: 'utf8' });
    assert.equal(files.stdout, ':0\n');
  });
});

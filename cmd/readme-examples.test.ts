// The README's examples that need no cluster are run as written, in order, against sample inputs: the manual
// cannot drift from the command line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CLI_ENTRY, REPO_ROOT } from '../src/testing/run-cli.ts';
import { makeTempDir } from '../src/testing/temp-dir.ts';

/** Commands that never talk to a cluster (graph does only without -f, so it counts when -f is given). */
const OFFLINE_COMMANDS = new Set(['transform', 'inspect', 'validate', 'rbac', 'version', 'completion', 'graph']);
/** Programs an offline example may use besides kubectl kvbackup. */
const OTHER_PROGRAMS = new Set(['cat', 'echo', 'head', 'kubectl-kvbackup', 'source']);

/** Every shell line of the README's code blocks, continuation lines joined and comments dropped. */
export function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^```(?:sh|bash)?\n([\s\S]*?)^```$/gm)) {
    const joined = (block[1] ?? '').replace(/\\\n\s*/g, ' ');
    for (const line of joined.split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command !== '' && !command.startsWith('#')) commands.push(command);
    }
  }
  return commands;
}

/** True when every program the line runs is offline: kubectl kvbackup with an offline command, or a plain tool. */
export function isOffline(command: string): boolean {
  if (/[`$]\(|<\(/.test(command) && !command.startsWith('source <(kubectl-kvbackup completion')) return false;
  // A bundle at oci://… needs a registry (cmd/registry.e2e.test.ts runs those).
  if (command.includes('oci://')) return false;
  return command.split(/\s*(?:\|\||&&|\||;)\s*/).every((part) => {
    const words = part.replace(/[<>]\s*\S+/g, '').trim().split(/\s+/);
    if (words[0] === 'kubectl') {
      if (words[1] !== 'kvbackup') return false;
      const subcommand = words.slice(2).find((word) => !word.startsWith('-'));
      if (!subcommand || !OFFLINE_COMMANDS.has(subcommand)) return false;
      return subcommand !== 'graph' || words.includes('-f');
    }
    return OTHER_PROGRAMS.has(words[0] ?? '');
  });
}

describe("the README's offline examples", () => {
  let dir = '';
  const commands = readmeCommands(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).filter(isOffline);

  before(() => {
    dir = makeTempDir('kvbackup-readme-');
    // The inputs the examples name: manifests, a bundle, a directory of manifests.
    copyFileSync(join(REPO_ROOT, 'testdata', 'demo', 'vms.yaml'), join(dir, 'vms.yaml'));
    copyFileSync(join(REPO_ROOT, 'testdata', 'bundles', 'good', 'with-export.tar.gz'), join(dir, 'backup.tar'));
    // What the walkthroughs' `export` lines would have written.
    copyFileSync(join(REPO_ROOT, 'testdata', 'bundles', 'good', 'with-export.tar.gz'), join(dir, 'prod.kvb'));
    mkdirSync(join(dir, 'manifests'));
    copyFileSync(join(REPO_ROOT, 'testdata', 'demo', 'vms.yaml'), join(dir, 'manifests', 'vms.yaml'));
    // `kubectl kvbackup …` and `kubectl-kvbackup …` run the CLI from source; any other kubectl use fails loudly.
    writeFileSync(
      join(dir, 'shims.sh'),
      `kubectl() { if [ "$1" = kvbackup ]; then shift; "${process.execPath}" "${CLI_ENTRY}" "$@"; else echo "not offline: kubectl $*" >&2; return 99; fi; }\n` +
        `kubectl-kvbackup() { "${process.execPath}" "${CLI_ENTRY}" "$@"; }\n`,
    );
  });

  it('finds the examples it runs', () => {
    assert.ok(commands.length >= 12, `only ${commands.length} offline examples found: ${commands.join('\n')}`);
    for (const expected of ['kubectl kvbackup graph -f vms.yaml', 'kubectl kvbackup validate backup.tar && echo ok', 'cat vms.yaml | kubectl kvbackup transform -f - -o yaml --seed demo']) {
      assert.ok(commands.includes(expected), expected);
    }
    assert.ok(!commands.some((command) => /export|restore|kubectl apply/.test(command)), 'cluster examples are left out');
  });

  it('runs each of them successfully, in order', () => {
    const failures: string[] = [];
    for (const command of commands) {
      const result = spawnSync('bash', ['-c', `set -o pipefail; source ./shims.sh; ${command}`], { cwd: dir, encoding: 'utf8' });
      if (result.status !== 0) failures.push(`${command}\n  exit ${result.status}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    assert.deepEqual(failures, []);
  });
});

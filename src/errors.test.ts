// The exit codes: each one documented in the README's table, the signals' as a shell reports a death by them.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { describe, it } from 'node:test';
import { ClusterError, ExitCode, InternalError, InterruptedError, KvbError } from './errors.ts';

describe('exit codes', () => {
  it('are exactly the codes of the README table', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Exit codes'));
    const table = section.slice(0, section.indexOf('\n## ', 1));
    const documented = [...table.matchAll(/^\| ([\d, ]+) \|/gm)].flatMap((match) => (match[1] as string).split(',').map((code) => Number(code.trim())));
    assert.deepEqual(documented.sort((a, b) => a - b), Object.values(ExitCode).sort((a, b) => a - b));
  });

  it('give each stop signal 128 + its number', () => {
    for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) {
      const error = new InterruptedError(signal);
      assert.equal(error.exitCode, 128 + constants.signals[signal], signal);
      assert.ok(error instanceof KvbError);
      assert.equal(error.message, `interrupted by ${signal}`);
    }
  });
});

describe('ClusterError', () => {
  it('carries the HTTP status and Kubernetes reason when the apiserver answered', () => {
    const error = new ClusterError('cannot get x', [], { status: 409, reason: 'AlreadyExists' });
    assert.equal(error.status, 409);
    assert.equal(error.reason, 'AlreadyExists');
    assert.equal(error.exitCode, ExitCode.cluster);
    assert.equal(new ClusterError('timed out').status, undefined);
  });

  it('is a user error, InternalError is not', () => {
    assert.ok(new ClusterError('x') instanceof KvbError);
    assert.equal(new InternalError('x') instanceof KvbError, false);
  });
});

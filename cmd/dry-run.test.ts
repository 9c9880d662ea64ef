import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { UsageError } from '../src/errors.ts';
import { readDryRun } from './dry-run.ts';

function streamsWithStderr() {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { streams: { stdin: new PassThrough(), stdout: new PassThrough(), stderr }, text: () => text };
}

describe('--dry-run as kubectl reads it', () => {
  it('absent: none; =none|client|server: as given, without a note', () => {
    for (const [value, mode] of [[undefined, 'none'], ['none', 'none'], ['client', 'client'], ['server', 'server']] as const) {
      const { streams, text } = streamsWithStderr();
      assert.deepEqual(readDryRun(value, streams, false), { mode });
      assert.equal(text(), '');
    }
  });

  it('bare: client, with a one-line note', () => {
    const { streams, text } = streamsWithStderr();
    assert.deepEqual(readDryRun('', streams, false), { mode: 'client' });
    assert.equal(text().trim().split('\n').length, 1);
    assert.match(text(), /means --dry-run=client/);
  });

  it('followed by a name: client, and the name stays a positional argument (export vm1 --dry-run vm2)', () => {
    const { streams } = streamsWithStderr();
    assert.deepEqual(readDryRun('vm2', streams, true), { mode: 'client', positional: 'vm2' });
    assert.throws(() => readDryRun('bogus', streams, false), UsageError);
  });
});

// The chunk spool: private, removed on close, and removed when the process is stopped by a signal.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI_ENTRY } from '../../testing/run-cli.ts';
import { makeTempDir } from '../../testing/temp-dir.ts';
import { openBundle } from '../tar/bundle-reader.ts';
import { ChunkCollector } from './chunk-source.ts';

const fixture = readFileSync(new URL('../../../testdata/bundles/good/v1alpha2-with-data.kvb', import.meta.url));

describe('ChunkCollector', () => {
  it('spools chunks from a pipe into a private directory, reads them back, and removes it on close', async () => {
    const tmpDir = makeTempDir('kvbackup-spool-');
    const collector = new ChunkCollector({ tmpDir });
    const reader = await openBundle(Readable.from([fixture]));
    await reader.metadata();
    const stored = new Map<string, Buffer>();
    for await (const entry of reader.dataEntries()) {
      if (entry.kind !== 'chunk') continue;
      stored.set(entry.sha256, await entry.read());
      await collector.add(entry);
    }
    await reader.finish();
    const spool = readdirSync(tmpDir)[0] ?? '';
    assert.ok(spool.startsWith('kvbackup-chunks-'));
    assert.equal(statSync(join(tmpDir, spool)).mode & 0o777, 0o700);
    for (const file of readdirSync(join(tmpDir, spool))) assert.equal(statSync(join(tmpDir, spool, file)).mode & 0o777, 0o600);
    for (const [sha256, bytes] of stored) assert.deepEqual(Buffer.from((await collector.read(sha256)) ?? []), bytes);
    assert.equal(collector.peakSpoolBytes, [...stored.values()].reduce((sum, bytes) => sum + bytes.length, 0));
    await collector.close();
    assert.deepEqual(readdirSync(tmpDir), []);
  });

  it('leaves no spool behind when the command is stopped by SIGTERM', async () => {
    const tmpDir = makeTempDir('kvbackup-spool-signal-');
    const child = spawn(process.execPath, [CLI_ENTRY, 'validate', '-f', '-'], { env: { ...process.env, TMPDIR: tmpDir }, stdio: ['pipe', 'ignore', 'ignore'] });
    // Everything but the trailer: the chunks are spooled, and the reader then waits for more input.
    child.stdin.write(fixture.subarray(0, fixture.length - 4096));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    for (let waited = 0; readdirSync(tmpDir).length === 0; waited += 50) {
      assert.ok(waited < 20_000, 'the spool appeared');
      await sleep(50);
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 'SIGTERM');
    assert.deepEqual(readdirSync(tmpDir), []);
  });
});

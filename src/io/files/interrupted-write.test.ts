// Interrupted writes: SIGINT, SIGTERM and SIGHUP leave no file; SIGKILL leaves a recognisable one the next write removes.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { generateBundle } from '../../../scripts/generate-bundle.ts';
import { CLI_ENTRY, REPO_ROOT } from '../../testing/run-cli.ts';
import { makeTempDir } from '../../testing/temp-dir.ts';

/** A bundle of one VM with 4 MB of volume data: transform opens its output before it reaches the data. */
async function bundleWithData(): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await generateBundle(sink, { vms: 1, namespace: 'ns1', seed: 's', gzip: false, dataBytes: 4_000_000 });
  return Buffer.concat(chunks);
}

/** Starts `transform` writing into `dir`, feeding three quarters of a bundle and keeping stdin open, until its temporary file exists. */
async function startTransform(dir: string) {
  const bundle = await bundleWithData();
  const child = spawn(process.execPath, [CLI_ENTRY, 'transform', '-f', '-', '--seed', 's', '--output-file', join(dir, 'out.kvb')], { cwd: REPO_ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  child.stdin.on('error', () => {});
  child.stdin.write(bundle.subarray(0, Math.floor((bundle.length * 3) / 4)));
  for (let i = 0; i < 200 && !readdirSync(dir).some((name) => name.endsWith('.tmp')); i++) await sleep(25);
  // Never leave the child waiting on stdin if an assertion fails.
  setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
  return { child, exited };
}

describe('interrupted writes', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} leaves no file behind and ends the process by the signal`, async () => {
      const dir = makeTempDir('kvb-interrupt-');
      const { child, exited } = await startTransform(dir);
      assert.equal(readdirSync(dir).filter((name) => name.endsWith('.tmp')).length, 1, 'the temporary file exists while writing');
      child.kill(signal);
      const result = await exited;
      assert.equal(result.signal, signal);
      assert.deepEqual(readdirSync(dir), []);
    });
  }

  it('SIGKILL leaves a recognisable temporary file, which the next write into the directory removes', async () => {
    const dir = makeTempDir('kvb-interrupt-');
    const { child, exited } = await startTransform(dir);
    child.kill('SIGKILL');
    await exited;
    const [left] = readdirSync(dir);
    assert.match(left ?? '', /^\.out\.kvb\.kvbackup-[0-9a-f]{8}-\d+-[0-9a-f]{12}\.tmp$/);
    const bundle = await bundleWithData();
    const write = spawn(process.execPath, [CLI_ENTRY, 'transform', '-f', '-', '--seed', 's', '--output-file', join(dir, 'other.kvb')], { cwd: REPO_ROOT });
    write.stdin.end(bundle);
    const code = await new Promise((resolve) => write.on('close', resolve));
    assert.equal(code, 0);
    assert.deepEqual(readdirSync(dir), ['other.kvb']);
  });
});

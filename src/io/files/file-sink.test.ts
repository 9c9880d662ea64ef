// The file sink: bytes in order, background flushes, short writes resumed, the handle closed on every path.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { fileSink, remaining } from './file-sink.ts';
import { makeTempDir } from '../../testing/temp-dir.ts';

/** A FileHandle whose datasync/sync calls are counted. */
function counted(handle: FileHandle): { handle: FileHandle; datasyncs: () => number; syncs: () => number } {
  let datasyncs = 0;
  let syncs = 0;
  const datasync = handle.datasync.bind(handle);
  const sync = handle.sync.bind(handle);
  handle.datasync = () => ((datasyncs += 1), datasync());
  handle.sync = () => ((syncs += 1), sync());
  return { handle, datasyncs: () => datasyncs, syncs: () => syncs };
}

describe('fileSink', () => {
  it('writes every byte in order, flushes along the way and fsyncs at the end', async () => {
    const path = join(makeTempDir('kvbackup-sink-'), 'out');
    const { handle, datasyncs, syncs } = counted(await open(path, 'wx'));
    const pieces = Array.from({ length: 64 }, (_, i) => randomBytes(1 + ((i * 7919) % 70_000)));
    await pipeline(Readable.from(pieces), fileSink(handle, { syncEveryBytes: 256 * 1024 }));
    assert.deepEqual(readFileSync(path), Buffer.concat(pieces));
    const total = pieces.reduce((sum, piece) => sum + piece.byteLength, 0);
    assert.ok(datasyncs() >= 1 && datasyncs() <= Math.floor(total / (256 * 1024)), `${datasyncs()} background flushes for ${total} bytes`);
    assert.equal(syncs(), 1);
    await assert.rejects(handle.stat(), /closed|EBADF/);
  });

  it('does not flush in the background when told not to', async () => {
    const path = join(makeTempDir('kvbackup-sink-'), 'out');
    const { handle, datasyncs } = counted(await open(path, 'wx'));
    await pipeline(Readable.from([randomBytes(300_000)]), fileSink(handle, { syncEveryBytes: 0 }));
    assert.equal(datasyncs(), 0);
  });

  it('closes the handle when destroyed, without a final fsync', async () => {
    const path = join(makeTempDir('kvbackup-sink-'), 'out');
    const { handle, syncs } = counted(await open(path, 'wx'));
    const sink = fileSink(handle);
    sink.write('partial');
    sink.destroy(new Error('stop'));
    await assert.rejects(finished(sink), /stop/);
    assert.equal(syncs(), 0);
    await assert.rejects(handle.stat(), /closed|EBADF/);
  });

  it('fails the stream when a write fails', async () => {
    const path = join(makeTempDir('kvbackup-sink-'), 'out');
    writeFileSync(path, '');
    // Opened for reading only: every write fails (EBADF), as a full or failing disk would fail it.
    const handle = await open(path, 'r');
    await assert.rejects(pipeline(Readable.from([Buffer.from('x')]), fileSink(handle)), /EBADF/);
  });

  it('resumes a short write where it stopped', () => {
    const parts = [Buffer.from('abc'), Buffer.from('defg'), Buffer.from('h')];
    assert.deepEqual(remaining(parts, 0).map(String), ['abc', 'defg', 'h']);
    assert.deepEqual(remaining(parts, 2).map(String), ['c', 'defg', 'h']);
    assert.deepEqual(remaining(parts, 3).map(String), ['defg', 'h']);
    assert.deepEqual(remaining(parts, 5).map(String), ['fg', 'h']);
    assert.deepEqual(remaining(parts, 8).map(String), []);
  });

});

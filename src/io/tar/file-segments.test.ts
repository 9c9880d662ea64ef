// Reused read buffers: every byte arrives in order, and no memory is reused while anything may still see it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileSegments } from './file-segments.ts';
import { makeTempDir } from '../../testing/temp-dir.ts';

function fileOf(bytes: Buffer): string {
  const path = join(makeTempDir('kvbackup-segments-'), 'bundle.kvb');
  writeFileSync(path, bytes);
  return path;
}

/** Reads the next segment the stream delivers (its position follows from the ones before). */
async function next(iterator: AsyncIterator<Buffer>): Promise<Buffer | undefined> {
  const result = await iterator.next();
  return result.done ? undefined : result.value;
}

function iterate(stream: Readable): AsyncIterator<Buffer> {
  return stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
}

describe('FileSegments', () => {
  it('delivers the whole file in order, the last segment short', async () => {
    const bytes = randomBytes(10_000);
    const segments = await FileSegments.open(fileOf(bytes), { segmentBytes: 1024, poolSize: 2 });
    assert.deepEqual(await segments.head(4), bytes.subarray(0, 4));
    const pieces: Buffer[] = [];
    let position = 0;
    for await (const piece of segments.stream()) {
      pieces.push(Buffer.from(piece));
      position += (piece as Buffer).byteLength;
      segments.consumed(position);
    }
    assert.deepEqual(Buffer.concat(pieces), bytes);
    assert.deepEqual(pieces.map((piece) => piece.byteLength), [...Array(9).fill(1024), 784]);
    assert.ok(segments.allocated <= 4, `${segments.allocated} buffers allocated for 10 segments`);
  });

  it('reuses nothing the consumer has not passed', async () => {
    const bytes = randomBytes(8192);
    const segments = await FileSegments.open(fileOf(bytes), { segmentBytes: 1024, poolSize: 4 });
    const iterator = iterate(segments.stream());
    const kept: Buffer[] = [];
    for (let i = 0; i < 8; i++) kept.push((await next(iterator)) as Buffer);
    // Nothing consumed: every view still holds its own bytes, each segment had its own buffer.
    kept.forEach((view, i) => assert.deepEqual(view, bytes.subarray(i * 1024, (i + 1) * 1024)));
    assert.ok(segments.allocated >= 8, 'each unconsumed segment has a buffer of its own');
    await segments.close();
  });

  it('keeps a held range until it is released, and a detached one for good', async () => {
    const bytes = randomBytes(16 * 1024);
    const segments = await FileSegments.open(fileOf(bytes), { segmentBytes: 1024, poolSize: 8 });
    const iterator = iterate(segments.stream());
    const first = (await next(iterator)) as Buffer;
    const second = (await next(iterator)) as Buffer;
    const third = (await next(iterator)) as Buffer;
    const release = segments.hold(100, 1500); // the first two segments
    segments.detach(2048, 10); // the third
    segments.consumed(3072);
    // Read on: only free buffers may be reused, and none is free yet.
    const later: Buffer[] = [];
    for (let i = 3; i < 8; i++) later.push((await next(iterator)) as Buffer);
    assert.deepEqual(first, bytes.subarray(0, 1024));
    assert.deepEqual(second, bytes.subarray(1024, 2048));
    assert.deepEqual(third, bytes.subarray(2048, 3072));
    const allocatedBefore = segments.allocated;
    release();
    release(); // a second call changes nothing
    segments.consumed(8192);
    for (let i = 8; i < 16; i++) assert.deepEqual(await next(iterator), bytes.subarray(i * 1024, (i + 1) * 1024));
    assert.ok(segments.allocated < allocatedBefore + 8, 'released buffers were reused');
    // The detached segment was never reused.
    assert.deepEqual(third, bytes.subarray(2048, 3072));
    assert.equal(await next(iterator), undefined);
  });

  it('closes the file when the stream is destroyed', async () => {
    const segments = await FileSegments.open(fileOf(randomBytes(4096)), { segmentBytes: 1024 });
    const stream = segments.stream();
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    await assert.rejects(segments.head(1), /closed|EBADF/);
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { InputError } from '../../errors.ts';
import { encodeChunk } from '../chunks/codec.ts';
import { verifyChunk } from './push.ts';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('verifyChunk (before a chunk is uploaded)', () => {
  it('accepts a zstd chunk whose content matches its name, and a raw one that is its own bytes', async () => {
    const compressible = Buffer.alloc(64 * 1024, 'abc');
    const zstd = await encodeChunk(compressible);
    assert.equal(zstd.compression, 'zstd');
    assert.deepEqual(await verifyChunk(zstd.sha256, [zstd.stored.subarray(0, 10), zstd.stored.subarray(10)], 'b.kvb'), { storedSha256: zstd.storedSha256, zstd: true });
    const random = createHash('sha512').update('seed').digest();
    assert.deepEqual(await verifyChunk(sha(random), [random], 'b.kvb'), { storedSha256: sha(random), zstd: false });
  });

  it('refuses a tampered chunk with one line naming it', async () => {
    const chunk = await encodeChunk(Buffer.alloc(64 * 1024, 'abc'));
    const tampered = Buffer.from(chunk.stored);
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 0xff;
    await assert.rejects(verifyChunk(chunk.sha256, [tampered], 'b.kvb'), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, `b.kvb: bundle entry chunks/sha256/${chunk.sha256}: content does not match its name (corrupt chunk); nothing was pushed`);
      assert.ok(!error.message.includes('\n'));
      return true;
    });
  });
});

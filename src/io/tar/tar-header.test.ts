// The tar header encoder writes exactly what tar-stream writes: ustar, prefix-split long names, pax for the rest.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { END_OF_ARCHIVE, padding, tarHeaderBlocks } from './tar-header.ts';

async function packed(name: string, body: Buffer, mtime: Date): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name, size: body.length, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime, type: 'file', linkname: '', devmajor: 0, devminor: 0 }, body);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const part of pack as unknown as Readable) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('tar headers', () => {
  const names = [
    'kvbackup.json',
    `chunks/sha256/${'ab'.repeat(32)}`,
    `objects/kubevirt.io/VirtualMachine/${'n'.repeat(63)}/${'v'.repeat(60)}.json.zst`,
    `objects/core/ConfigMap/ns1/${'x'.repeat(200)}.json.zst`,
    'objects/core/ConfigMap/ns1/%C3%BC-ü.json.zst',
  ];
  for (const name of names) {
    it(`matches tar-stream for a ${name.length}-character name`, async () => {
      const body = Buffer.from('{"a":1}\n');
      const mtime = new Date('2025-01-02T03:04:05Z');
      const ours = Buffer.concat([tarHeaderBlocks({ name, size: body.length, mtime: mtime.getTime() / 1000 }), body, padding(body.length), END_OF_ARCHIVE]);
      assert.deepEqual(ours, await packed(name, body, mtime));
    });
  }
});

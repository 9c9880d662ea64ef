// The floor of metadata transform: read every entry of a bundle and write the same entries again, with no rules.
// Run: node scripts/bench/copy-bundle.ts IN OUT
// Streaming, one entry at a time: tar parse, zstd decode, UTF-8 decode and JSON.parse of each JSON entry, then
// JSON.stringify, UTF-8 encode, zstd encode and a tar entry again (chunks copied as they are). No schema checks, no
// rules, no graph, nothing held: what any tool must do to rewrite the documents of a v1alpha2 bundle.

import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { zstdDecompressSync } from 'node:zlib';
import tar from 'tar-stream';
import { zstdEncodeSync } from '../../src/io/chunks/codec.ts';
import { END_OF_ARCHIVE, padding, tarHeaderBlocks } from '../../src/io/tar/tar-header.ts';

async function main(input: string, output: string): Promise<void> {
  const extract = tar.extract();
  const reading = pipeline(createReadStream(input, { highWaterMark: 1024 * 1024 }), extract);
  const out = createWriteStream(output);
  const write = async (bytes: Buffer) => {
    if (!out.write(bytes)) await once(out, 'drain');
  };
  for await (const entry of extract) {
    const parts: Buffer[] = [];
    for await (const part of entry) parts.push(part as Buffer);
    let body: Buffer = Buffer.concat(parts);
    const name = entry.header.name;
    if (name.endsWith('.json.zst')) body = zstdEncodeSync(Buffer.from(`${JSON.stringify(JSON.parse(zstdDecompressSync(body).toString('utf8')))}\n`));
    else if (name.endsWith('.json')) body = Buffer.from(`${JSON.stringify(JSON.parse(body.toString('utf8')))}\n`);
    await write(Buffer.concat([tarHeaderBlocks({ name, size: body.length, mtime: (entry.header.mtime?.getTime() ?? 0) / 1000 }), body, padding(body.length)]));
  }
  await reading;
  out.end(END_OF_ARCHIVE);
  await once(out, 'close');
}

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: copy-bundle.ts IN OUT');
await main(input, output);

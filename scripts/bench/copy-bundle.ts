// The floor of metadata transform: read every entry of a bundle and write the same entries again, with no rules.
// Run: node scripts/bench/copy-bundle.ts IN OUT
// It parses and re-serialises each document (zstd, JSON, schema checks) through the project's own reader and writer,
// streaming objects one at a time; what transform adds on top (holding the objects, the rules, a new graph) is its cost.

import { createReadStream, createWriteStream } from 'node:fs';
import { openBundle } from '../../src/io/tar/bundle-reader.ts';
import { createBundleWriter } from '../../src/io/tar/bundle-writer.ts';

async function main(input: string, output: string): Promise<void> {
  const reader = await openBundle(createReadStream(input, { highWaterMark: 1024 * 1024 }), { source: input, verifyChunks: 'size' });
  const metadata = await reader.metadata();
  const writer = createBundleWriter(createWriteStream(output), { includeToken: true });
  await writer.writeHeader(metadata.header);
  await writer.writeGraph(metadata.graph);
  for (const [index, ref] of metadata.refs.entries()) await writer.writeObject(ref, metadata.objects[index]?.object as never);
  for (const record of metadata.exports) await writer.writeExport(record);
  for await (const entry of reader.dataEntries()) {
    if (entry.kind === 'chunk') await writer.copyChunk(entry.sha256, await entry.readParts());
    else if (entry.kind === 'index') await writer.addVolumeIndex(entry.index);
    else throw new Error('copy-bundle copies v1alpha2 bundles only');
  }
  await reader.finish();
  await writer.finish();
}

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: copy-bundle.ts IN OUT');
await main(input, output);

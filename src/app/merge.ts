// `merge`: an incremental chain made into the equivalent full bundle, offline, chunk by chunk (each verified, copied verbatim).

import { createReadStream } from 'node:fs';
import { headerTime, mergedHeader, mergedIndex } from '../bundle/index.ts';
import { UsageError } from '../errors.ts';
import { readVolume } from '../io/chunks/read-volume.ts';
import type { ChunkSource } from '../io/chunks/chunk-source.ts';
import { openOutput } from '../io/files/output.ts';
import { openBundle } from '../io/tar/bundle-reader.ts';
import { createBundleWriter } from '../io/tar/bundle-writer.ts';
import { note, type StdStreams } from '../io/term/streams.ts';
import { TOOL_VERSION } from '../version.ts';
import { chainChunks, closeChain, readChain } from './chain-input.ts';

export interface MergeOptions {
  /** The chain, oldest first. */
  filenames: readonly string[];
  outputFile: string;
}

/**
 * Checks the chain (as restore does), then writes one full bundle: the last link's header (now Full at position 0,
 * keeping each VM's last checkpoint, so the chain can continue from it), graph, objects and export records, and per
 * volume every chunk it names, taken from the newest link that stores it, verified, copied without recompressing,
 * and hashed into the volume's sha256. The output is a temporary file renamed into place when complete.
 */
export async function runMerge(options: MergeOptions, streams: StdStreams): Promise<void> {
  if (options.filenames.length === 0) throw new UsageError('name the chain with -f, oldest first');
  if (options.filenames.includes('-')) throw new UsageError('merge reads files (it reads chunks back by position): -f - is not allowed');
  const chain = await readChain(options.filenames);
  const last = chain[chain.length - 1];
  if (!last) throw new UsageError('name the chain with -f, oldest first');
  const reader = await openBundle(createReadStream(last.file, { highWaterMark: 1024 * 1024 }), { source: last.file, verifyChunks: 'size' });
  let output: Awaited<ReturnType<typeof openOutput>> | undefined;
  try {
    const metadata = await reader.metadata();
    reader.close();
    output = await openOutput(options.outputFile, streams, { binary: true });
    const writer = createBundleWriter(output.stream, { end: options.outputFile !== '-', includeToken: true });
    await writer.writeHeader(mergedHeader(chain, headerTime(new Date()), TOOL_VERSION));
    await writer.writeGraph(metadata.graph);
    for (const [i, sourced] of metadata.objects.entries()) await writer.writeObject(metadata.refs[i] as (typeof metadata.refs)[number], sourced.object);
    for (const record of metadata.exports) await writer.writeExport(record);
    const chunks = chainChunks(chain);
    for (const index of last.indexes) {
      const copies: Promise<boolean>[] = [];
      const copied = new Set<string>();
      // Each chunk's stored bytes go into the new bundle as they are read; readVolume verifies their content.
      const copying: ChunkSource = {
        async read(sha256) {
          const stored = await chunks.read(sha256);
          if (stored && !copied.has(sha256) && !writer.storedChunk(sha256)) {
            copied.add(sha256);
            copies.push(writer.copyChunk(sha256, stored));
          }
          return stored;
        },
      };
      let digest = '';
      const path = `${last.file}: volumes/${index.namespace}/${index.volume}`;
      for await (const piece of readVolume(index, copying, { path, source: last.file, onDigest: (sha256) => (digest = sha256) })) void piece;
      await Promise.all(copies);
      await writer.addVolumeIndex(mergedIndex(index, digest));
      note(streams, `merge: volume ${index.namespace}/${index.volume}: ${index.size} bytes, sha256 ${digest}`);
    }
    await writer.finish();
    await output.commit();
  } catch (error) {
    reader.close();
    await output?.abort();
    throw error;
  } finally {
    await closeChain(chain);
  }
}

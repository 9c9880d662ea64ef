// The bundles of an incremental chain, each read once to its trailer: header, volume indexes, where its chunks are, its digest.

import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import { bundleDigest, checkChain, checkChainHeaders, chunkHolders, type BundleHeader, type ChainLink } from '../bundle/index.ts';
import { ChunkCollector, type ChunkSource } from '../io/chunks/chunk-source.ts';
import { looksLikeBundle } from '../io/files/read-input.ts';
import { openBundle } from '../io/tar/bundle-reader.ts';

/** One bundle of a chain, read through: what the chain checks need, and its chunks found again by position. */
export interface ScannedBundle extends ChainLink {
  file: string;
  /** The bundle's chunks, read back from the file by position (close it when done). */
  collector: ChunkCollector;
}

/**
 * Reads a bundle file to its end, checking it as every reader does (schemas, trailer, each chunk's size and
 * framing), and remembers its header, indexes, chunk positions and digest. `keepChunks` false: positions are not kept.
 */
export async function scanBundle(file: string, options: { keepChunks: boolean } = { keepChunks: true }): Promise<ScannedBundle> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new InputError(`${file}: not a bundle file (a chain is read from files, not pipes)`);
  const reader = await openBundle(createReadStream(file, { highWaterMark: 1024 * 1024 }), { source: file, skipGraph: true, verifyChunks: 'size' });
  const collector = new ChunkCollector({ file });
  const chunks = new Set<string>();
  try {
    const metadata = await reader.metadata();
    if (reader.version === 'v1alpha1') throw new InputError(`${file}: a v1alpha1 bundle has no chunks and cannot be part of an incremental chain`);
    const indexes = [];
    for await (const entry of reader.dataEntries()) {
      if (entry.kind === 'chunk') {
        chunks.add(entry.sha256);
        // From a plain tar file the collector keeps positions; from a gzipped one it spools the stored bytes.
        if (options.keepChunks) await collector.add(entry);
        else await entry.skip();
      } else if (entry.kind === 'index') indexes.push(entry.index);
    }
    const trailer = await reader.finish();
    return { source: file, file, header: metadata.header, digest: bundleDigest(trailer), indexes, chunks, collector };
  } catch (error) {
    await collector.close();
    throw error;
  } finally {
    reader.close();
  }
}

/** True when the file starts like a bundle (gzip or tar), so several `-f` name a chain rather than manifests. */
export async function isBundleFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return looksLikeBundle(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Every file of `-f` read and checked as one chain (oldest first); refused with one line naming the files. */
export async function readChain(files: readonly string[]): Promise<ScannedBundle[]> {
  // Headers first: most broken chains (reordered, a missing link, another VM) are refused without reading the data.
  const headers = [];
  for (const file of files) headers.push({ source: file, header: await readHeader(file) });
  const early = checkChainHeaders(headers);
  if (early) throw new InputError(`not one incremental chain: ${early}`);
  const links: ScannedBundle[] = [];
  try {
    for (const file of files) links.push(await scanBundle(file));
    const problem = checkChain(links);
    if (problem) throw new InputError(`not one incremental chain: ${problem}`);
    const holders = chunkHolders(links);
    if ('problem' in holders) throw new InputError(`broken chain: ${holders.problem}`);
    return links;
  } catch (error) {
    await closeChain(links);
    throw error;
  }
}

async function readHeader(file: string): Promise<BundleHeader> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new InputError(`${file}: not a bundle file (a chain is read from files, not pipes)`);
  const reader = await openBundle(createReadStream(file, { highWaterMark: 64 * 1024 }), { source: file, skipGraph: true });
  try {
    return (await reader.metadata()).header;
  } finally {
    reader.close();
  }
}

export async function closeChain(links: readonly ScannedBundle[]): Promise<void> {
  for (const link of links) await link.collector.close();
}

/** The chain's chunks by content digest, newest bundle first (the chain checks made sure each one is held). */
export function chainChunks(links: readonly ScannedBundle[]): ChunkSource {
  return {
    async read(sha256) {
      for (let i = links.length - 1; i >= 0; i--) {
        const link = links[i] as ScannedBundle;
        if (!link.chunks.has(sha256)) continue;
        const bytes = await link.collector.read(sha256);
        if (bytes) return bytes;
      }
      return undefined;
    },
  };
}

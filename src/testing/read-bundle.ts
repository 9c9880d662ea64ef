// Test support: reads a whole bundle, data included, through the real reader; v1alpha2 volumes rebuilt from chunks.

import type { Readable } from 'node:stream';
import type { VolumeIndex } from '../bundle/index.ts';
import { decodeChunk } from '../io/chunks/codec.ts';
import { openBundle, type OpenBundleOptions } from '../io/tar/bundle-reader.ts';

/**
 * Metadata, the bytes of every volume (v1alpha1: each data file, by its path; v1alpha2: each volume rebuilt from its
 * index and chunks, by its index path, every chunk checked), the indexes, and the verified trailer. Holds all data
 * in memory: for small test bundles only.
 */
export async function readWholeBundle(input: Readable, source?: string | OpenBundleOptions) {
  const reader = await openBundle(input, source === undefined ? {} : source);
  try {
    const metadata = await reader.metadata();
    const data: { path: string; bytes: Buffer }[] = [];
    const indexes: VolumeIndex[] = [];
    const chunks = new Map<string, Buffer>();
    for await (const entry of reader.dataEntries()) {
      if (entry.kind === 'file') {
        const parts: Buffer[] = [];
        for await (const part of entry.stream) parts.push(part as Buffer);
        data.push({ path: entry.path, bytes: Buffer.concat(parts) });
      } else if (entry.kind === 'chunk') {
        chunks.set(entry.sha256, await entry.read());
      } else {
        indexes.push(entry.index);
        data.push({ path: entry.path, bytes: await rebuildVolume(entry.index, chunks) });
      }
    }
    const trailer = await reader.finish();
    return { metadata, data, indexes, trailer };
  } finally {
    reader.close();
  }
}

/** The bytes of a volume from its index and its chunks' stored bytes; throws on a chunk that does not check out. */
export async function rebuildVolume(index: VolumeIndex, chunks: ReadonlyMap<string, Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (const extent of index.extents) {
    if ('zero' in extent) {
      parts.push(new Uint8Array(extent.length));
      continue;
    }
    const stored = chunks.get(extent.sha256);
    if (!stored) throw new Error(`chunk ${extent.sha256} missing`);
    const bytes = await decodeChunk(stored, { sha256: extent.sha256, length: extent.length, compression: extent.stored.compression });
    if (typeof bytes === 'string') throw new Error(`chunk ${extent.sha256}: ${bytes}`);
    parts.push(bytes);
  }
  return Buffer.concat(parts);
}

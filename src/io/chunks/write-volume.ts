// One volume from a byte stream into a bundle: chunked, deduplicated against the bundle, then its index written.

import { chunkSizeFor, type VolumeFormat, type VolumeIndex } from '../../bundle/index.ts';
import type { BundleWriter } from '../tar/bundle-writer.ts';
import { VolumeChunker } from './chunker.ts';

export interface VolumeSource {
  namespace: string;
  volume: string;
  /** Default `raw`. */
  format?: VolumeFormat;
  /** When known in advance: picks the chunk size (`chunkSizeFor`) and is checked at the end. */
  size?: number;
  /** Overrides the chunk size `chunkSizeFor(size)` would pick. */
  chunkSize?: number;
}

/**
 * Reads `bytes` (in offset order, any piece sizes) into chunks stored in `writer`, then writes the volume's index.
 * The volume must be listed by an export record already written. Returns the index.
 */
export async function writeVolume(writer: BundleWriter, source: VolumeSource, bytes: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<VolumeIndex> {
  const chunker = new VolumeChunker({
    namespace: source.namespace,
    volume: source.volume,
    format: source.format ?? 'raw',
    chunkSize: source.chunkSize ?? chunkSizeFor(source.size),
    store: writer,
    ...(source.size === undefined ? {} : { size: source.size }),
  });
  try {
    for await (const piece of bytes) await chunker.write(typeof piece === 'string' ? Buffer.from(piece) : piece);
  } catch (error) {
    chunker.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  const index = await chunker.finish();
  await writer.addVolumeIndex(index);
  return index;
}

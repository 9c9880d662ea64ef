// Test support: reads a whole bundle, data included, through the real reader.

import type { Readable } from 'node:stream';
import { openBundle } from '../io/tar/bundle-reader.ts';

/** Metadata, every data entry's bytes, and the verified trailer. */
export async function readWholeBundle(input: Readable, source?: string) {
  const reader = await openBundle(input, source === undefined ? {} : { source });
  try {
    const metadata = await reader.metadata();
    const data: { path: string; bytes: Buffer }[] = [];
    for await (const entry of reader.dataEntries()) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry.stream) chunks.push(chunk as Buffer);
      data.push({ path: entry.path, bytes: Buffer.concat(chunks) });
    }
    const trailer = await reader.finish();
    return { metadata, data, trailer };
  } finally {
    reader.close();
  }
}

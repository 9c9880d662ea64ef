// Reads `-f` into the ObjectIndex the core works on, keeping an open bundle for commands that pass its data on.

import { ObjectIndex } from '../model/object-index.ts';
import { withDefaultNamespace } from '../model/default-namespace.ts';
import { readInput } from '../io/files/read-input.ts';
import { openBundle, type BundleMetadata, type BundleReader } from '../io/tar/bundle-reader.ts';
import type { StdStreams } from '../io/term/streams.ts';

export type LoadedInput =
  | { type: 'manifests'; index: ObjectIndex }
  | { type: 'bundle'; index: ObjectIndex; reader: BundleReader; metadata: BundleMetadata; gzipped: boolean; source: string; file?: string };

/**
 * Manifests get `namespace` where they carry none (as `kubectl create -n`); a bundle's objects already carry theirs.
 * For a bundle only the metadata has been read: the caller goes on with `reader` (data, trailer) or closes it.
 */
export async function loadInput(filename: string, namespace: string, streams: StdStreams): Promise<LoadedInput> {
  const input = await readInput(filename, streams);
  if (input.type === 'manifests') {
    const objects = input.objects.map(({ object, source }) => ({ object: withDefaultNamespace(object, namespace), source }));
    return { type: 'manifests', index: new ObjectIndex(objects) };
  }
  // Every caller rebuilds the graph from the objects it ends up with: the stored one is not parsed. Chunks are
  // checked for size and framing only: transform copies them verbatim, restore verifies each one's content.
  const reader = await openBundle(input.stream, { source: input.source, skipGraph: true, verifyChunks: 'size' });
  const metadata = await reader.metadata();
  const loaded: LoadedInput = { type: 'bundle', index: new ObjectIndex(metadata.objects), reader, metadata, gzipped: input.gzipped, source: input.source };
  if (input.file !== undefined) loaded.file = input.file;
  return loaded;
}

/**
 * Lets go of the input objects once the caller has derived what it needs from them (the reader, header and export
 * records stay), so their memory can serve what comes next.
 */
export function releaseObjects(input: LoadedInput): void {
  input.index = new ObjectIndex([]);
  if (input.type === 'bundle') {
    input.metadata.objects = [];
    input.metadata.refs = [];
  }
}

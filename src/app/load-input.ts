// Reads `-f` into the ObjectIndex the core works on, keeping an open bundle for commands that pass its data on.

import { ObjectIndex } from '../model/object-index.ts';
import { withDefaultNamespace } from '../model/default-namespace.ts';
import { InputError } from '../errors.ts';
import { describeInput, readInput, type InputFiles } from '../io/files/read-input.ts';
import { openBundle, type BundleMetadata, type BundleReader } from '../io/tar/bundle-reader.ts';
import { note, type StdStreams } from '../io/term/streams.ts';

/** `-f`, `-R` and `--strict` as a use case takes them. */
export interface InputSelection extends InputFiles {
  /** Unknown KubeVirt/CDI kinds and versions are errors instead of warnings. */
  strict: boolean;
}

export type LoadedInput =
  | { type: 'manifests'; index: ObjectIndex }
  | { type: 'bundle'; index: ObjectIndex; reader: BundleReader; metadata: BundleMetadata; gzipped: boolean; source: string; file?: string };

/**
 * Manifests get `namespace` where they carry none (as `kubectl create -n`); a bundle's objects already carry theirs.
 * Manifests that hold no object are refused as `kubectl apply` refuses them (`no objects passed to <command>`).
 * For a bundle only the metadata has been read: the caller goes on with `reader` (data, trailer) or closes it.
 */
export async function loadInput(selection: InputSelection, namespace: string, streams: StdStreams, command: string): Promise<LoadedInput> {
  const input = await readInput(selection, streams);
  if (input.type === 'manifests') {
    if (selection.strict && input.warnings.length > 0) throw new InputError(input.warnings[0] as string, input.warnings.slice(1));
    for (const warning of input.warnings) note(streams, `warning: ${warning}`);
    if (input.objects.length === 0) throw new InputError(`no objects passed to ${command} (${describeInput(selection)} holds none)`);
    const objects = input.objects.map(({ object, source }) => ({ object: withDefaultNamespace(object, namespace), source }));
    return { type: 'manifests', index: new ObjectIndex(objects) };
  }
  // Every caller rebuilds the graph from the objects it ends up with: the stored one is not parsed. Chunks are
  // checked for size and framing only: transform copies them verbatim, restore verifies each one's content.
  const reader = await openBundle(input.stream, { source: input.source, skipGraph: true, verifyChunks: 'size', ...(input.file === undefined ? {} : { file: input.file }) });
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

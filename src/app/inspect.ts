// `inspect`: reads a whole bundle once (data hashed, not kept) and reports what it holds.

import type { Readable } from 'node:stream';
import { buildInspectResult, formatInspect, type InspectResult } from '../bundle/index.ts';
import { openInputStream } from '../io/files/read-input.ts';
import { openBundle } from '../io/tar/bundle-reader.ts';
import { renderJsonPath, toJson } from '../io/term/render.ts';
import type { StdStreams } from '../io/term/streams.ts';
import type { BundleCommandOptions } from './options.ts';

/**
 * Reads the bundle to its end, checking every entry against the trailer, and returns what `inspect` shows.
 * @throws InputError (one line naming the entry) when the bundle is unreadable, unsafe or fails a check.
 */
export async function inspectBundle(input: Readable, source?: string): Promise<InspectResult> {
  const reader = await openBundle(input, source === undefined ? {} : { source });
  try {
    const metadata = await reader.metadata();
    for await (const data of reader.dataEntries()) await data.skip();
    const trailer = await reader.finish();
    return buildInspectResult({
      header: metadata.header,
      graph: metadata.graph,
      objects: metadata.refs.map((ref, index) => ({ ref, path: metadata.objects[index]?.source ?? '' })),
      exports: metadata.exports,
      trailer,
    });
  } finally {
    reader.close();
  }
}

/** `inspect <bundle>`: text or JSON on stdout. */
export async function runInspect(options: BundleCommandOptions, streams: StdStreams): Promise<void> {
  const { stream, source } = await openInputStream(options.filename, streams);
  const result = await inspectBundle(stream, source);
  const output = options.output;
  streams.stdout.write(output === 'text' ? formatInspect(result) : output === 'json' ? toJson(result) : renderJsonPath(result, output.jsonpath));
}

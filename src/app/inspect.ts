// `inspect`: reads a whole bundle once (data hashed, not kept) and reports what it holds.

import type { Readable } from 'node:stream';
import { buildInspectResult, formatInspect, VolumeAccounting, type InspectResult, type VolumeUsage } from '../bundle/index.ts';
import { openInputStream } from '../io/files/read-input.ts';
import { openBundle } from '../io/tar/bundle-reader.ts';
import { toJson } from '../io/term/render.ts';
import type { StdStreams } from '../io/term/streams.ts';
import type { BundleCommandOptions } from './options.ts';

/**
 * Reads the bundle to its end, checking every entry against the trailer (and every chunk's stored digest against
 * its index), and returns what `inspect` shows. Chunk contents are verified by `validate`, not here.
 * @throws InputError (one line naming the entry) when the bundle is unreadable, unsafe or fails a check.
 */
export async function inspectBundle(input: Readable, source?: string): Promise<InspectResult> {
  const reader = await openBundle(input, source === undefined ? {} : { source });
  try {
    const metadata = await reader.metadata();
    const accounting = new VolumeAccounting();
    const usage: VolumeUsage[] = [];
    for await (const data of reader.dataEntries()) {
      if (data.kind === 'index') usage.push(accounting.add(data.index));
      else await data.skip();
    }
    const trailer = await reader.finish();
    return buildInspectResult({
      header: metadata.header,
      graph: metadata.graph,
      objects: metadata.refs.map((ref, index) => ({ ref, path: metadata.objects[index]?.source ?? '' })),
      exports: metadata.exports,
      trailer,
      ...(reader.version === 'v1alpha1' ? {} : { volumes: { usage, totals: accounting.totals } }),
    });
  } finally {
    reader.close();
  }
}

/** `inspect <bundle>`: text or JSON on stdout. */
export async function runInspect(options: BundleCommandOptions, streams: StdStreams): Promise<void> {
  const { stream, source } = await openInputStream(options.filename, streams);
  const result = await inspectBundle(stream, source);
  streams.stdout.write(options.output === 'json' ? toJson(result) : formatInspect(result));
}

// `inspect <bundle>`: the command around inspectBundle.

import { formatInspect } from '../bundle/index.ts';
import { openInputStream } from '../io/files/read-input.ts';
import { toJson } from '../io/term/render.ts';
import type { StdStreams } from '../io/term/streams.ts';
import { inspectBundle } from './inspect.ts';
import type { BundleCommandOptions } from './options.ts';

export async function runInspect(options: BundleCommandOptions, streams: StdStreams): Promise<void> {
  const { stream, source } = await openInputStream(options.filename, streams);
  const result = await inspectBundle(stream, source);
  streams.stdout.write(options.output === 'json' ? toJson(result) : formatInspect(result));
}

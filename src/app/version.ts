// `version`: the tool, the bundle format and the runtime.

import { BUNDLE_FORMAT_VERSION } from '../bundle/index.ts';
import { toJson } from '../io/term/render.ts';
import type { StdStreams } from '../io/term/streams.ts';
import { TOOL_NAME, TOOL_VERSION } from '../version.ts';

export function runVersion(options: { output: 'text' | 'json' }, streams: StdStreams): void {
  const versions = { tool: TOOL_NAME, version: TOOL_VERSION, bundleFormat: BUNDLE_FORMAT_VERSION, node: process.version };
  streams.stdout.write(
    options.output === 'json'
      ? toJson(versions)
      : `${TOOL_NAME} ${TOOL_VERSION} (bundle format ${BUNDLE_FORMAT_VERSION}, node ${process.version})\n`,
  );
}

// `graph -f`: the dependency graph of manifests or a bundle, offline.

import { IncompleteGraphError } from '../errors.ts';
import { buildGraph, missingRequired, renderDot, renderTree } from '../graph/index.ts';
import { describeRef } from '../model/object-ref.ts';
import { writeOutput } from '../io/files/output.ts';
import { toJson, toYamlDocument } from '../io/term/render.ts';
import type { StdStreams } from '../io/term/streams.ts';
import { loadInput } from './load-input.ts';
import type { GraphOptions } from './options.ts';

export async function runGraph(options: GraphOptions, streams: StdStreams): Promise<void> {
  const input = await loadInput(options.filename, options.namespace, streams);
  if (input.type === 'bundle') input.reader.close();
  const graph = buildGraph(input.index);
  const rendered = {
    tree: () => renderTree(graph),
    json: () => toJson(graph),
    yaml: () => toYamlDocument(graph),
    dot: () => renderDot(graph),
  }[options.output]();
  await writeOutput(options.outputFile, streams, rendered);
  if (options.requireComplete) {
    const missing = missingRequired(graph);
    if (missing.length > 0) {
      throw new IncompleteGraphError(
        `the graph is incomplete: ${missing.length} required object${missing.length === 1 ? ' is' : 's are'} missing`,
        missing.map((ref) => describeRef(ref)),
      );
    }
  }
}

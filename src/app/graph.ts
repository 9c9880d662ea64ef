// `graph`: the dependency graph of manifests, a bundle, or a cluster's namespaces.

import { IncompleteGraphError } from '../errors.ts';
import { buildGraph, describeMissing, missingRequired, renderDot, renderTree } from '../graph/index.ts';
import type { ObjectIndex } from '../model/object-index.ts';
import { writeOutput } from '../io/files/output.ts';
import { toJson, toYamlDocument } from '../io/term/render.ts';
import { note, type StdStreams } from '../io/term/streams.ts';
import { loadInput } from './load-input.ts';
import type { GraphOptions, GraphSource } from './options.ts';

export async function runGraph(options: GraphOptions, streams: StdStreams): Promise<void> {
  const graph = buildGraph(await readObjects(options.source, streams));
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
        missing.map((target) => describeMissing(target)),
      );
    }
  }
}

async function readObjects(source: GraphSource, streams: StdStreams): Promise<ObjectIndex> {
  if (source.type === 'file') {
    const input = await loadInput(source.filename, source.namespace, streams);
    if (input.type === 'bundle') {
      // As inspect: every entry is checked against the trailer before anything is printed.
      try {
        await input.reader.finish();
      } finally {
        input.reader.close();
      }
    }
    return input.index;
  }
  // Loaded only here: offline use never pulls in the Kubernetes client.
  const cluster = await import('../io/cluster/index.ts');
  const client = cluster.connect({ kubeconfig: source.kubeconfig, context: source.context });
  const namespaces = source.allNamespaces ? undefined : [source.namespace ?? client.namespace];
  const discovery = await cluster.discover(client, { namespaces });
  if (source.verbose) note(streams, `kvbackup: ${client.requestCount} API requests (${client.retryCount} retries)`);
  return discovery.index;
}

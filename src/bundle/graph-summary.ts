// Counts of a bundle's graph document for `inspect`: nodes, edges, missing targets and roots.

import { graphRoots, missingRequired, type Graph } from '../graph/index.ts';

/** Counts shown by `inspect`. Roots are as `graph -o tree` draws them (VMs, standalone VMIs, replica sets, pools). */
export interface GraphSummary {
  nodes: number;
  edges: number;
  /** Nodes marked missing (referenced but not in the bundle). */
  missing: number;
  /** Missing targets of non-optional edges: what makes `validate` fail. */
  missingRequired: number;
  roots: number;
}

/** Node, edge, missing and root counts of a graph document. */
export function summarizeGraph(graph: Graph): GraphSummary {
  return {
    nodes: graph.nodes.length,
    edges: graph.edges.length,
    missing: graph.nodes.filter((node) => node.missing).length,
    missingRequired: missingRequired(graph).length,
    roots: graphRoots(graph).length,
  };
}

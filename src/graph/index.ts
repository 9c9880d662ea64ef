// The public API of the dependency graph: build it, query it, render it.

export {
  buildGraph,
  compareEdges,
  EXTERNAL_KINDS,
  type Graph,
  type GraphEdge,
  type GraphNode,
} from './build-graph.ts';
export type { EdgeContext, EdgeFamily, EdgeTarget } from './edge-family.ts';
export { EDGE_FAMILIES } from './edges/index.ts';
export { describeMissing, graphRoots, missingRequired, ROOT_KINDS, type MissingTarget } from './graph-queries.ts';
export { renderDot } from './render-dot.ts';
export { renderTree, UNREACHABLE_HEADING } from './render-tree.ts';

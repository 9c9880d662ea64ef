// Builds the dependency graph of a set of objects: every family runs once on each object of its kinds.

import { InternalError, KvbError } from '../errors.ts';
import { Kinds, type GroupKind } from '../model/kinds.ts';
import type { ObjectIndex } from '../model/object-index.ts';
import { compareRefs, compareStrings, describeRef, kindKey, refKey, type ObjectRef } from '../model/object-ref.ts';
import type { EdgeFamily, EdgeTarget } from './edge-family.ts';
import { EDGE_FAMILIES } from './edges/index.ts';

/**
 * A node: the guide's (APIGroup, Kind, namespace, name); `missing` when only referenced, `external` when the
 * target cluster must provide it.
 */
export interface GraphNode extends ObjectRef {
  missing?: true;
  external?: true;
}

/** An edge from the referrer or owner to what it needs. */
export interface GraphEdge {
  from: ObjectRef;
  to: ObjectRef;
  reason: string;
  optional: boolean;
}

/** The graph as `graph -o json` prints it and bundles store it (schemas/graph.v1alpha1.schema.json). */
export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Kinds whose objects are listed as external: cluster-scoped instancetypes and preferences. */
export const EXTERNAL_KINDS: readonly GroupKind[] = [
  Kinds.VirtualMachineClusterInstancetype,
  Kinds.VirtualMachineClusterPreference,
];

const externalKeys = new Set(EXTERNAL_KINDS.map((kind) => kindKey(kind.group, kind.kind)));

/** A plain ref with exactly the four identity fields, in JSON order. */
function plainRef(ref: ObjectRef): ObjectRef {
  return { group: ref.group, kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

function makeNode(ref: ObjectRef, missing: boolean): GraphNode {
  const node: GraphNode = plainRef(ref);
  if (missing) node.missing = true;
  if (externalKeys.has(kindKey(ref.group, ref.kind))) node.external = true;
  return node;
}

/** Families by `group/Kind`. @throws InternalError when two families share a name. */
export function familiesByKind(families: readonly EdgeFamily[]): Map<string, EdgeFamily[]> {
  const names = new Set<string>();
  const byKind = new Map<string, EdgeFamily[]>();
  for (const family of families) {
    if (names.has(family.name)) throw new InternalError(`two edge families are named ${family.name}`);
    names.add(family.name);
    for (const kind of family.fromKinds) {
      const key = kindKey(kind.group, kind.kind);
      const list = byKind.get(key);
      if (list) list.push(family);
      else byKind.set(key, [family]);
    }
  }
  return byKind;
}

/** The edge order of every graph: from, then to, then reason. */
export function compareEdges(a: GraphEdge, b: GraphEdge): number {
  return compareRefs(a.from, b.from) || compareRefs(a.to, b.to) || compareStrings(a.reason, b.reason);
}

/**
 * The graph of every object in `index`: each object is a node and is visited once, running the families that
 * read its kind. A target that is not in the index becomes a node marked `missing`. Identical edges (same from,
 * to and reason) are merged, required winning over optional. Nodes and edges are sorted, so the same objects in
 * any order give the same graph.
 * @throws InternalError naming the family and object when a family fails.
 */
export function buildGraph(index: ObjectIndex, families: readonly EdgeFamily[] = EDGE_FAMILIES): Graph {
  const byKind = familiesByKind(families);
  const nodes = new Map<string, GraphNode>();
  for (const { ref } of index.entries()) nodes.set(refKey(ref), makeNode(ref, false));
  const edges = new Map<string, GraphEdge>();
  for (const { ref, object } of index.entries()) {
    for (const family of byKind.get(kindKey(ref.group, ref.kind)) ?? []) {
      let targets: EdgeTarget[];
      try {
        targets = family.edges(object, { index, ref });
      } catch (cause) {
        if (cause instanceof KvbError) throw cause;
        const message = cause instanceof Error ? cause.message : String(cause);
        throw new InternalError(`edge family ${family.name} failed on ${describeRef(ref)}: ${message}`, { cause });
      }
      for (const target of targets) {
        const toKey = refKey(target.to);
        if (!nodes.has(toKey)) nodes.set(toKey, makeNode(target.to, true));
        const key = `${refKey(ref)}\u0000${toKey}\u0000${target.reason}`;
        const previous = edges.get(key);
        if (previous) {
          previous.optional &&= target.optional;
        } else {
          const { reason, optional } = target;
          edges.set(key, { from: plainRef(ref), to: plainRef(target.to), reason, optional });
        }
      }
    }
  }
  return {
    nodes: [...nodes.values()].sort(compareRefs),
    edges: [...edges.values()].sort(compareEdges),
  };
}

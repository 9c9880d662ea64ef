// The order restore applies objects in: phases by kind (what a kind needs exists before it), then the graph within a phase.

import { buildGraph } from '../graph/index.ts';
import { kindInfo, RESTORE_PHASES, type RestorePhase } from '../model/kinds.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { compareRefs, refKey, type ObjectRef } from '../model/object-ref.ts';
import { ObjectIndex } from '../model/object-index.ts';

export { RESTORE_PHASES, type RestorePhase } from '../model/kinds.ts';

/** The phase of a kind, from the kind registry; kinds it does not know come last, after everything KubeVirt needs. */
export function phaseOf(ref: Pick<ObjectRef, 'group' | 'kind'>): RestorePhase {
  return kindInfo(ref.group, ref.kind)?.restore.phase ?? 'other';
}

/** One object in its place in the plan. */
export interface OrderedObject {
  ref: ObjectRef;
  phase: RestorePhase;
  object: KubeObject;
}

/**
 * Orders `objects` for applying: by phase, then within a phase so that an object comes after what it needs (graph
 * edges between objects of the same phase: a DataSource after its PVC, a DataVolume after its clone source), ties
 * and cycles broken by (group, kind, namespace, name). Same objects in any order → same order.
 */
export function restoreOrder(objects: readonly KubeObject[]): OrderedObject[] {
  const index = ObjectIndex.of(objects);
  const graph = buildGraph(index);
  const entries = index.entries().map(({ ref, object }) => ({ ref, object, phase: phaseOf(ref) }));
  const needs = new Map<string, Set<string>>();
  for (const edge of graph.edges) {
    if (phaseOf(edge.from) !== phaseOf(edge.to) || !index.has(edge.to) || refKey(edge.from) === refKey(edge.to)) continue;
    const key = refKey(edge.from);
    const set = needs.get(key) ?? new Set<string>();
    set.add(refKey(edge.to));
    needs.set(key, set);
  }
  const ordered: OrderedObject[] = [];
  for (const phase of RESTORE_PHASES) {
    const inPhase = entries.filter((entry) => entry.phase === phase).sort((a, b) => compareRefs(a.ref, b.ref));
    ordered.push(...topological(inPhase, needs));
  }
  return ordered;
}

/** Kahn's algorithm, always taking the first ready object in ref order; what is left in a cycle follows in ref order. */
function topological(sorted: OrderedObject[], needs: ReadonlyMap<string, ReadonlySet<string>>): OrderedObject[] {
  const done = new Set<string>();
  const pending = [...sorted];
  const result: OrderedObject[] = [];
  const inPhase = new Set(sorted.map((entry) => refKey(entry.ref)));
  while (pending.length > 0) {
    const readyAt = pending.findIndex((entry) =>
      [...(needs.get(refKey(entry.ref)) ?? [])].every((need) => done.has(need) || !inPhase.has(need)),
    );
    const at = readyAt === -1 ? 0 : readyAt;
    const [next] = pending.splice(at, 1);
    if (!next) break;
    done.add(refKey(next.ref));
    result.push(next);
  }
  return result;
}

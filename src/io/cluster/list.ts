// Discovery by LIST: every relevant kind once per namespace (or once cluster-wide), paged, into an ObjectIndex.

import { ClusterError } from '../../errors.ts';
import type { KubeObject } from '../../model/kube-object.ts';
import { KNOWN_KINDS, Kinds, mustKindInfo, type KindInfo } from '../../model/kinds.ts';
import { ObjectIndex, type SourcedObject } from '../../model/object-index.ts';
import { refKey, refOf } from '../../model/object-ref.ts';
import type { ClusterClient } from './client.ts';
import { failureError, targetOf } from './resource.ts';

/** Page size of every LIST: big enough that typical namespaces fit in one page, small enough to bound memory. */
export const PAGE_SIZE = 500;
// A continue token can expire (410 Gone) while a large list is paged; the list is restarted, a bounded number of times.
const MAX_RELISTS = 3;
// Parallel LISTs in flight; the apiserver's priority-and-fairness would otherwise queue or reject a burst.
const LIST_CONCURRENCY = 6;

export interface ListOptions {
  labelSelector?: string | undefined;
  /** A 403 gives an empty result marked `forbidden` instead of an error. */
  forbiddenAsEmpty?: boolean;
  pageSize?: number;
  signal?: AbortSignal | undefined;
}

/** The outcome of one kind's LIST. */
export interface ListResult {
  kind: KindInfo;
  objects: KubeObject[];
  /** False when the apiserver does not serve the resource (its CRD is not installed). */
  served: boolean;
  /** True when the list was refused (403) and `forbiddenAsEmpty` was asked. */
  forbidden?: boolean;
}

/**
 * Every object of one kind in `namespace` (undefined: all namespaces, or a cluster-scoped kind), paged with
 * `limit`/`continue`. Items get the list's apiVersion and kind, which the apiserver leaves out of list items.
 */
export async function listKind(client: ClusterClient, info: KindInfo, namespace: string | undefined, options: ListOptions = {}): Promise<ListResult> {
  const target = targetOf(info.group, info.kind, 'list', namespace);
  const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
  for (let relist = 0; ; relist++) {
    const objects: KubeObject[] = [];
    let token: string | undefined;
    let expired = false;
    do {
      const response = await client.send({
        target,
        query: { limit: options.pageSize ?? PAGE_SIZE, continue: token, labelSelector: options.labelSelector },
        signal: options.signal,
      });
      if (response.status === 404 && token === undefined) return { kind: info, objects: [], served: false };
      if (response.status === 403 && options.forbiddenAsEmpty) return { kind: info, objects: [], served: true, forbidden: true };
      if (response.status === 410) {
        expired = true;
        break;
      }
      if (response.status < 200 || response.status >= 300) throw failureError(target, response.status, response.body);
      const list = response.body as { items?: KubeObject[]; metadata?: { continue?: string } };
      for (const item of list.items ?? []) objects.push({ ...item, apiVersion, kind: info.kind });
      token = list.metadata?.continue || undefined;
    } while (token !== undefined);
    if (!expired) return { kind: info, objects, served: true };
    if (relist >= MAX_RELISTS) {
      throw new ClusterError(`cannot list ${info.plural}.${info.group || 'core'}: the continue token expired ${MAX_RELISTS + 1} times (410 Gone); the list changes faster than it can be read`);
    }
  }
}

/** One LIST per entry: which kind, with which selector. */
export interface ListPlan {
  kind: KindInfo;
  labelSelector?: string;
}

/**
 * What discovery lists in each namespace: the registry's kinds with `discovery: 'namespace'`. Pods only with the
 * launcher label (the graph needs the launcher Pod of each VMI; other Pods are not dependencies). Secrets,
 * ConfigMaps and ServiceAccounts are listed whole: listing is one request whatever the number of VMs that reference
 * them, where GETs per reference would grow with it.
 */
export const NAMESPACED_PLAN: readonly ListPlan[] = planOf('namespace');

/**
 * Cluster-scoped instancetypes and preferences are LISTed, not fetched by name: a cluster has at most a few hundred
 * (common-instancetypes ships about a hundred), one LIST is one request, and GETs by name would grow with the VMs.
 */
export const CLUSTER_PLAN: readonly ListPlan[] = planOf('cluster');

function planOf(discovery: KindInfo['discovery']): ListPlan[] {
  return KNOWN_KINDS.filter((kind) => kind.discovery === discovery).map((kind) => (kind.discoverySelector ? { kind, labelSelector: kind.discoverySelector } : { kind }));
}

export interface DiscoverOptions {
  /** The namespaces to read; undefined: all namespaces, one cluster-wide LIST per kind. */
  namespaces: readonly string[] | undefined;
  signal?: AbortSignal | undefined;
  pageSize?: number;
}

export interface Discovery {
  index: ObjectIndex;
  /** Kinds the apiserver does not serve (CRD missing), as `plural.group`. */
  unserved: string[];
  /** Cluster-scoped kinds the credentials may not list (a RoleBinding grants no cluster-scoped reads). */
  forbidden: string[];
}

/** Lists every planned kind in every namespace, concurrently and bounded, and indexes the result. */
export async function discover(client: ClusterClient, options: DiscoverOptions): Promise<Discovery> {
  const jobs: { plan: ListPlan; namespace: string | undefined; optional: boolean }[] = [];
  for (const namespace of options.namespaces ?? [undefined]) for (const plan of NAMESPACED_PLAN) jobs.push({ plan, namespace, optional: false });
  // Cluster-scoped instancetypes and preferences are external references the target must provide: a user bound to
  // the role in a namespace only (RoleBinding) exports without them rather than not at all.
  for (const plan of CLUSTER_PLAN) jobs.push({ plan, namespace: undefined, optional: true });
  const results = await mapConcurrent(jobs, LIST_CONCURRENCY, ({ plan, namespace, optional }) =>
    listKind(client, plan.kind, namespace, { labelSelector: plan.labelSelector, signal: options.signal, pageSize: options.pageSize ?? PAGE_SIZE, forbiddenAsEmpty: optional }),
  );
  const objects: SourcedObject[] = [];
  const unserved = new Set<string>();
  const forbidden: string[] = [];
  results.forEach((result, i) => {
    const namespace = jobs[i]?.namespace;
    const name = `${result.kind.plural}${result.kind.group ? `.${result.kind.group}` : ''}`;
    if (!result.served) unserved.add(name);
    if (result.forbidden) forbidden.push(name);
    const source = `cluster: list ${result.kind.plural}${namespace ? ` -n ${namespace}` : ''}`;
    for (const object of result.objects) objects.push({ object, source });
  });
  return { index: new ObjectIndex(objects), unserved: [...unserved].sort(), forbidden: forbidden.sort() };
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order; the first failure rejects. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * `-l`: the refs (`refKey`) of VMs, VMIs, replica sets and pools that match the selector, as the apiserver evaluates
 * it (so every selector syntax kubectl accepts works). One LIST per root kind and namespace.
 */
export async function listSelectedRoots(client: ClusterClient, namespaces: readonly string[] | undefined, labelSelector: string, signal?: AbortSignal): Promise<Set<string>> {
  const kinds = [Kinds.VirtualMachine, Kinds.VirtualMachineInstance, Kinds.VirtualMachineInstanceReplicaSet, Kinds.VirtualMachinePool].map(mustKindInfo);
  const jobs = (namespaces ?? [undefined]).flatMap((namespace) => kinds.map((kind) => ({ kind, namespace })));
  const results = await mapConcurrent(jobs, LIST_CONCURRENCY, ({ kind, namespace }) => listKind(client, kind, namespace, { labelSelector, signal }));
  const keys = new Set<string>();
  for (const result of results) {
    for (const object of result.objects) keys.add(refKey(refOf(object)));
  }
  return keys;
}

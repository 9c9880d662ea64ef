// Carries out the restore plan for one object: reads the live object, asks the pure planner, sends what it decided.

import { ClusterError, KvbError } from '../../errors.ts';
import type { KubeObject } from '../../model/kube-object.ts';
import { refOf } from '../../model/object-ref.ts';
import { MAX_CONFLICTS, planObject, type OnConflict } from '../../restore/plan.ts';
import type { ObjectResult } from '../../restore/summary.ts';
import type { ClusterClient } from './client.ts';
import { failureError } from './resource.ts';
import type { ResourceResolver } from './restore-resources.ts';
import { pause } from './retry.ts';

export type { OnConflict };
export type DryRun = 'none' | 'client' | 'server';

export interface ApplyOptions {
  onConflict: OnConflict;
  dryRun: DryRun;
  /** Deadline (epoch ms) for a replaced PVC or DataVolume to be gone before it is created again. */
  deadline: number;
  /**
   * Server dry run only: validate in this namespace instead, because the object's own namespace does not exist
   * yet (the apiserver refuses even a dry-run create in a missing namespace).
   */
  validateIn?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Applies `object` as the restore planner decides and says what happened. A permanent failure of this object (403,
 * 422, …) is a `failed` result with the apiserver's message, so the rest of the restore goes on; transient faults
 * were already retried. A conflict (409) re-reads the object and plans again, at most MAX_CONFLICTS times.
 */
export async function applyObject(client: ClusterClient, resources: ResourceResolver, object: KubeObject, options: ApplyOptions): Promise<ObjectResult> {
  const ref = refOf(object);
  try {
    for (let conflicts = 1; ; conflicts++) {
      const result = await applyOnce(client, resources, object, options);
      if (result !== CONFLICT) return result;
      if (conflicts >= MAX_CONFLICTS) return { ref, outcome: 'failed', message: `conflicted ${conflicts} times (409: changed by someone else while restoring); run the same restore again` };
    }
  } catch (error) {
    if (error instanceof KvbError) return { ref, outcome: 'failed', message: [error.message, ...(error.details ?? [])].join('; ') };
    throw error;
  }
}

const CONFLICT = Symbol('conflict');

/** One read, plan and execution; CONFLICT when the apiserver answered 409 and the object must be read again. */
async function applyOnce(client: ClusterClient, resources: ResourceResolver, object: KubeObject, options: ApplyOptions): Promise<ObjectResult | typeof CONFLICT> {
  const ref = refOf(object);
  const namespace = object.metadata.namespace;
  const name = object.metadata.name;
  const dryRun = options.dryRun === 'server' ? { dryRun: 'All' } : {};
  const getTarget = await resources.target(object.apiVersion, object.kind, 'get', namespace, name);
  const live = options.validateIn ? undefined : await client.callOptional<KubeObject>({ target: getTarget, signal: options.signal });
  const planned = planObject(object, live, { onConflict: options.onConflict });
  const clientOnly = options.dryRun === 'client';

  switch (planned.action) {
    case 'unchanged':
      return { ref, outcome: 'unchanged' };
    case 'skip':
      return { ref, outcome: 'skipped', message: planned.reason };
    case 'fail':
      return { ref, outcome: 'failed', message: planned.reason };
    case 'create': {
      if (clientOnly) return { ref, outcome: 'created', message: 'would be created' };
      const where = options.validateIn ?? namespace;
      const body = where === namespace ? object : { ...object, metadata: { ...object.metadata, namespace: where } };
      const target = await resources.target(object.apiVersion, object.kind, 'create', where);
      const response = await client.send({ target, body, query: dryRun, signal: options.signal });
      const validated = options.validateIn ? { message: `validated in namespace ${where} (${namespace} does not exist yet)` } : {};
      // 409 in a substitute namespace: validation passed, the name is just taken there.
      if (response.status === 409 && options.validateIn) return { ref, outcome: 'created', ...validated };
      if (response.status === 409) return CONFLICT;
      if (response.status < 200 || response.status >= 300) throw failureError(target, response.status, response.body);
      return { ref, outcome: 'created', ...validated };
    }
    case 'replace': {
      if (clientOnly) return { ref, outcome: 'replaced', message: 'would be replaced' };
      const target = await resources.target(object.apiVersion, object.kind, 'update', namespace, name);
      const body = { ...object, metadata: { ...object.metadata, resourceVersion: live?.metadata.resourceVersion } };
      const response = await client.send({ target, body, query: dryRun, signal: options.signal });
      if (response.status === 409) return CONFLICT;
      if (response.status < 200 || response.status >= 300) throw failureError(target, response.status, response.body);
      return { ref, outcome: 'replaced' };
    }
    case 'recreate': {
      if (clientOnly) return { ref, outcome: 'replaced', message: `would be deleted and created again (${planned.reason})` };
      const target = await resources.target(object.apiVersion, object.kind, 'delete', namespace, name);
      // The preconditions make the apiserver delete exactly the object that was read, or answer 409.
      const preconditions = { uid: live?.metadata.uid, resourceVersion: live?.metadata.resourceVersion };
      const response = await client.send({ target, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions }, query: dryRun, signal: options.signal });
      if (response.status === 409) return CONFLICT;
      if (response.status !== 404 && (response.status < 200 || response.status >= 300)) throw failureError(target, response.status, response.body);
      if (options.dryRun === 'server') return { ref, outcome: 'replaced', message: 'would be deleted and created again' };
      await waitGone(client, getTarget, options);
      const createTarget = await resources.target(object.apiVersion, object.kind, 'create', namespace);
      const created = await client.send({ target: createTarget, body: object, signal: options.signal });
      if (created.status === 409) return CONFLICT;
      if (created.status < 200 || created.status >= 300) throw failureError(createTarget, created.status, created.body);
      return { ref, outcome: 'replaced', message: `deleted and created again (${planned.reason})` };
    }
  }
}
/** Polls until the object is gone (finalizers such as pvc-protection run first). */
async function waitGone(client: ClusterClient, target: Parameters<ClusterClient['callOptional']>[0]['target'], options: ApplyOptions): Promise<void> {
  for (let interval = 200; ; interval = Math.min(2_000, interval * 2)) {
    const live = await client.callOptional({ target, signal: options.signal });
    if (!live) return;
    if (Date.now() > options.deadline) throw new ClusterError(`timed out waiting for ${target.resource} ${target.namespace}/${target.name} to be deleted before creating it again`);
    await pause(interval, options.signal);
  }
}

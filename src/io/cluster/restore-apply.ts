// Applies one restored object: create, or compare with the live one and skip, fail or replace it (--on-conflict).

import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterError, KvbError } from '../../errors.ts';
import type { KubeObject } from '../../model/kube-object.ts';
import { refOf } from '../../model/object-ref.ts';
import { isUnchanged } from '../../restore/compare.ts';
import type { ObjectResult } from '../../restore/summary.ts';
import { statusMessage, type ClusterClient } from './client.ts';
import { failureError } from './resource.ts';
import type { ResourceResolver } from './restore-resources.ts';

export type OnConflict = 'fail' | 'skip' | 'replace';
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
 * Kinds whose spec the apiserver (PVC) or CDI's webhook (DataVolume) will not update: replace deletes and
 * recreates them, which drops their data (CDI imports again, or the bundle's data is uploaded again).
 */
const RECREATED_KINDS = new Set(['/PersistentVolumeClaim', 'cdi.kubevirt.io/DataVolume']);

/**
 * Applies `object` and says what happened. A permanent failure of this object (403, 422, …) is a `failed` result
 * with the apiserver's message, so the rest of the restore goes on; transient faults were already retried.
 */
export async function applyObject(client: ClusterClient, resources: ResourceResolver, object: KubeObject, options: ApplyOptions): Promise<ObjectResult> {
  const ref = refOf(object);
  try {
    return await applyOrThrow(client, resources, object, options);
  } catch (error) {
    if (error instanceof KvbError) return { ref, outcome: 'failed', message: [error.message, ...(error.details ?? [])].join('; ') };
    throw error;
  }
}

async function applyOrThrow(client: ClusterClient, resources: ResourceResolver, object: KubeObject, options: ApplyOptions): Promise<ObjectResult> {
  const ref = refOf(object);
  const namespace = object.metadata.namespace;
  const name = object.metadata.name;
  const dryRun = options.dryRun === 'server' ? { dryRun: 'All' } : {};
  const getTarget = await resources.target(object.apiVersion, object.kind, 'get', namespace, name);
  const live = options.validateIn ? undefined : await client.callOptional<KubeObject>({ target: getTarget, signal: options.signal });

  if (!live) {
    if (options.dryRun === 'client') return { ref, outcome: 'created', message: 'would be created' };
    const where = options.validateIn ?? namespace;
    const body = where === namespace ? object : { ...object, metadata: { ...object.metadata, namespace: where } };
    const target = await resources.target(object.apiVersion, object.kind, 'create', where);
    const response = await client.send({ target, body, query: dryRun, signal: options.signal });
    // 409 in a substitute namespace: validation passed, the name is just taken there.
    if (response.status === 409 && options.validateIn) return { ref, outcome: 'created', message: `validated in namespace ${where} (${namespace} does not exist yet)` };
    if (response.status === 409) return applyOrThrow(client, resources, object, options);
    if (response.status < 200 || response.status >= 300) throw failureError(target, response.status, statusMessage(response.body));
    return { ref, outcome: 'created', ...(options.validateIn ? { message: `validated in namespace ${where} (${namespace} does not exist yet)` } : {}) };
  }

  if (isUnchanged(object, live)) return { ref, outcome: 'unchanged' };
  if (options.onConflict === 'fail') {
    return { ref, outcome: 'failed', message: 'already exists and differs (--on-conflict skip leaves it, replace overwrites it)' };
  }
  if (options.onConflict === 'skip') return { ref, outcome: 'skipped', message: 'already exists and differs' };
  if (options.dryRun === 'client') return { ref, outcome: 'replaced', message: 'would be replaced' };

  const recreate = RECREATED_KINDS.has(`${ref.group}/${ref.kind}`);
  if (recreate) {
    const target = await resources.target(object.apiVersion, object.kind, 'delete', namespace, name);
    const response = await client.send({ target, query: { ...dryRun, propagationPolicy: 'Background' }, signal: options.signal });
    if (response.status !== 404 && (response.status < 200 || response.status >= 300)) throw failureError(target, response.status, statusMessage(response.body));
    if (options.dryRun === 'server') return { ref, outcome: 'replaced', message: 'would be deleted and created again' };
    await waitGone(client, getTarget, options);
    const createTarget = await resources.target(object.apiVersion, object.kind, 'create', namespace);
    await client.call({ target: createTarget, body: object, signal: options.signal });
    return { ref, outcome: 'replaced', message: 'deleted and created again (its spec cannot be updated)' };
  }
  const target = await resources.target(object.apiVersion, object.kind, 'update', namespace, name);
  const body = { ...object, metadata: { ...object.metadata, resourceVersion: live.metadata.resourceVersion } };
  await client.call({ target, body, query: dryRun, signal: options.signal });
  return { ref, outcome: 'replaced' };
}

/** Polls until the object is gone (finalizers such as pvc-protection run first). */
async function waitGone(client: ClusterClient, target: Parameters<ClusterClient['callOptional']>[0]['target'], options: ApplyOptions): Promise<void> {
  for (let interval = 200; ; interval = Math.min(2_000, interval * 2)) {
    const live = await client.callOptional({ target, signal: options.signal });
    if (!live) return;
    if (Date.now() > options.deadline) throw new ClusterError(`timed out waiting for ${target.resource} ${target.namespace}/${target.name} to be deleted before creating it again`);
    await sleep(interval, undefined, options.signal ? { signal: options.signal } : undefined);
  }
}

// Waiting for objects the run created to reach a state: one LIST per namespace per poll, never a GET per object.

import { ClusterError } from '../../errors.ts';
import type { KubeObject } from '../../model/kube-object.ts';
import type { KindInfo } from '../../model/kinds.ts';
import type { ClusterClient } from './client.ts';
import { listKind } from './list.ts';
import { pause } from './retry.ts';

/** Where one object stands. */
export type Progress = { state: 'done' } | { state: 'pending'; reason: string } | { state: 'failed'; reason: string };

export interface WaitOptions {
  kind: KindInfo;
  /** Objects to wait for, by namespace, then name. */
  names: ReadonlyMap<string, readonly string[]>;
  /** Narrows each LIST to the run's own objects. */
  labelSelector: string;
  /** Epoch milliseconds. */
  deadline: number;
  /** What "done" means for this kind. */
  progress: (object: KubeObject) => Progress;
  signal?: AbortSignal | undefined;
  /** Called once per object as it reaches a final state. */
  onSettled?: (object: KubeObject, progress: Progress) => void;
  /** Milliseconds between polls; grows to `maxIntervalMs` (default 5 s). */
  firstIntervalMs?: number;
  maxIntervalMs?: number;
}

/** The objects as last seen, by `namespace/name`, once every one is done or one failed. */
export interface WaitResult {
  objects: Map<string, KubeObject>;
  failed: { namespace: string; name: string; reason: string }[];
}

/**
 * Polls until every named object is done, or one failed (the others are still reported as last seen), or the
 * deadline passed (a ClusterError naming each object that was not done and why).
 */
export async function waitForAll(client: ClusterClient, options: WaitOptions): Promise<WaitResult> {
  let interval = options.firstIntervalMs ?? 500;
  const settled = new Set<string>();
  const latest = new Map<string, KubeObject>();
  for (;;) {
    const waiting: string[] = [];
    const failed: WaitResult['failed'] = [];
    for (const [namespace, names] of options.names) {
      const { objects } = await listKind(client, options.kind, namespace, { labelSelector: options.labelSelector, signal: options.signal });
      const byName = new Map(objects.map((object) => [object.metadata.name, object]));
      for (const name of names) {
        const key = `${namespace}/${name}`;
        const object = byName.get(name);
        if (!object) {
          waiting.push(`${key}: not found`);
          continue;
        }
        latest.set(key, object);
        const progress = options.progress(object);
        if (progress.state !== 'pending' && !settled.has(key)) {
          settled.add(key);
          options.onSettled?.(object, progress);
        }
        if (progress.state === 'failed') failed.push({ namespace, name, reason: progress.reason });
        if (progress.state === 'pending') waiting.push(`${key}: ${progress.reason}`);
      }
    }
    if (failed.length > 0 || waiting.length === 0) return { objects: latest, failed };
    const left = options.deadline - Date.now();
    if (left <= 0) {
      throw new ClusterError(`timed out waiting for ${waiting.length} ${options.kind.kind}${waiting.length === 1 ? '' : 's'}`, waiting.sort());
    }
    await pause(Math.min(interval, left), options.signal);
    interval = Math.min(options.maxIntervalMs ?? 5_000, Math.round(interval * 1.5));
  }
}

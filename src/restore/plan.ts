// The restore decision for one object, pure: what to do given the desired object, the live one and --on-conflict.

import { kindInfo } from '../model/kinds.ts';
import { groupOf, type KubeObject } from '../model/kube-object.ts';
import { isUnchanged } from './compare.ts';

/** `--on-conflict`: what to do with an object that exists and differs. */
export type OnConflict = 'fail' | 'skip' | 'replace';
export const ON_CONFLICT_POLICIES: readonly OnConflict[] = ['fail', 'skip', 'replace'];

/**
 * What restore does with one object. `replace` updates the live object in place (with its resourceVersion);
 * `recreate` deletes it and creates it again, for kinds whose spec cannot be updated (the registry's `replaceBy`).
 */
export type PlannedAction =
  | { action: 'create' }
  | { action: 'unchanged' }
  | { action: 'skip'; reason: string }
  | { action: 'replace' }
  | { action: 'recreate'; reason: string }
  | { action: 'fail'; reason: string };

export interface PlanOptions {
  onConflict: OnConflict;
}

/** Decides what to do with `desired`, given `live` (undefined when it does not exist). */
export function planObject(desired: KubeObject, live: KubeObject | undefined, options: PlanOptions): PlannedAction {
  if (!live) return { action: 'create' };
  // An object being deleted will be gone soon: neither "unchanged" nor a target for an update.
  if (typeof live.metadata.deletionTimestamp === 'string') {
    return { action: 'fail', reason: 'exists and is being deleted (finalizers pending); run the same restore again once it is gone' };
  }
  if (isUnchanged(desired, live)) return { action: 'unchanged' };
  switch (options.onConflict) {
    case 'fail':
      return { action: 'fail', reason: 'already exists and differs (--on-conflict skip leaves it, replace overwrites it)' };
    case 'skip':
      return { action: 'skip', reason: 'already exists and differs' };
    case 'replace':
      return kindInfo(groupOf(desired.apiVersion), desired.kind)?.restore.replaceBy === 'recreate'
        ? { action: 'recreate', reason: 'its spec cannot be updated, so it is deleted and created again' }
        : { action: 'replace' };
  }
}

/**
 * How often one object may meet a conflict (409: created by someone else meanwhile, or changed since it was read)
 * before restore gives up on it: each conflict re-reads the live object and plans again.
 */
export const MAX_CONFLICTS = 3;

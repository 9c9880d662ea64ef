// Small constructors for the ops rules return, so each rule states what it sets or removes and nothing more.

import type { JsonValue } from '../model/kube-object.ts';
import type { Op } from './rule.ts';

/** Sets the member at `path` to `value`: `add` when `current` is undefined, `replace` otherwise; nothing when equal. */
export function setOp(path: string, current: unknown, value: JsonValue): Op[] {
  if (current === undefined) return [{ op: 'add', path, new: value }];
  if (current === value) return [];
  return [{ op: 'replace', path, old: current as JsonValue, new: value }];
}

/** Removes the member at `path` when present (`current` is not undefined). */
export function removeOp(path: string, current: unknown): Op[] {
  return current === undefined ? [] : [{ op: 'remove', path, old: current as JsonValue }];
}

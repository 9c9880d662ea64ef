// Whether a live object already is what restore would create, so a re-run leaves it alone and reports it unchanged.

import { isRecord, type KubeObject } from '../model/kube-object.ts';

/** Metadata restore sets; everything else under metadata is the server's. */
const COMPARED_METADATA = ['labels', 'annotations'] as const;

/**
 * True when every field restore would set on `desired` has the same value on `live`: spec and the other top-level
 * fields, labels and annotations. Fields only the live object has (status, server-set metadata, defaults filled in
 * by the apiserver or a controller, extra annotations) do not count; a null in `desired` matches an absent field.
 * A Secret's `stringData` is compared as the base64 `data` the apiserver stores.
 */
export function isUnchanged(desired: KubeObject, live: KubeObject): boolean {
  const want = normaliseSecret(desired);
  for (const [key, value] of Object.entries(want)) {
    if (key === 'metadata' || key === 'status' || key === 'apiVersion' || key === 'kind') continue;
    if (!contains(live[key], value)) return false;
  }
  for (const key of COMPARED_METADATA) {
    const value = want.metadata[key];
    if (value !== undefined && !contains(live.metadata[key], value)) return false;
  }
  return true;
}

/** Whether `actual` holds everything `expected` holds: objects by subset, arrays element by element. */
export function contains(actual: unknown, expected: unknown): boolean {
  if (expected === null || expected === undefined) return actual === null || actual === undefined || isEmpty(actual);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((item, i) => contains(actual[i], item));
  }
  if (isRecord(expected)) {
    // An absent object holds what an object of only nulls and empty values holds.
    if (actual === undefined || actual === null) return contains({}, expected);
    if (!isRecord(actual)) return false;
    return Object.entries(expected).every(([key, value]) => contains(actual[key], value));
  }
  return actual === expected;
}

function isEmpty(value: unknown): boolean {
  return (isRecord(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);
}

function normaliseSecret(object: KubeObject): KubeObject {
  if (object.apiVersion !== 'v1' || object.kind !== 'Secret' || !isRecord(object.stringData)) return object;
  const data: Record<string, string> = isRecord(object.data) ? { ...(object.data as Record<string, string>) } : {};
  for (const [key, value] of Object.entries(object.stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  const { stringData: _ignored, ...rest } = object;
  return { ...rest, data } as KubeObject;
}

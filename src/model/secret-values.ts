// Secret values never reach a report or a log: they are replaced by a marker carrying a digest, so changes stay comparable.

import { createHash } from 'node:crypto';
import type { JsonValue } from './kube-object.ts';
import type { ObjectRef } from './object-ref.ts';

/** JSON Pointers (RFC 6901) under which a Secret holds its values, including its last-applied copy. */
const SECRET_VALUE_PATHS = ['/data', '/stringData', '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration'];

/** Whether `path` of `object` holds (part of) a Secret's values. */
export function isSecretValue(object: Pick<ObjectRef, 'group' | 'kind'>, path: string): boolean {
  if (object.group !== '' || object.kind !== 'Secret') return false;
  return path === '' || path === '/metadata' || path === '/metadata/annotations' || SECRET_VALUE_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** `<redacted sha256:…>`: the marker standing for a Secret value (the digest of its JSON, truncated to 16 hex digits). */
export function redactedMarker(value: JsonValue): string {
  return `<redacted sha256:${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16)}>`;
}

/** `value`, or its marker when it is a Secret value at `path`. */
export function redactSecretValue(object: Pick<ObjectRef, 'group' | 'kind'>, path: string, value: JsonValue): JsonValue {
  return isSecretValue(object, path) ? redactedMarker(value) : value;
}

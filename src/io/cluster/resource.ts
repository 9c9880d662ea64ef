// What a request acts on (verb, group, resource, namespace, name, subresource), its URL path, and its failure message.

import { ClusterError, InputError } from '../../errors.ts';
import { kindInfo, type KindInfo, type Verb } from '../../model/kinds.ts';
import { pathSegmentProblem } from '../../model/names.ts';

export type { Verb };

/** A request target in RBAC terms, so a 403 can name exactly what permission is missing. */
export interface ResourceTarget {
  verb: Verb;
  group: string;
  version: string;
  /** Plural resource name (`virtualmachines`). */
  resource: string;
  /** Omitted for cluster-scoped resources and for lists across all namespaces. */
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

/** The target for `verb` on a kind kvbackup knows. @throws RangeError for an unknown kind (a caller bug). */
export function targetOf(group: string, kind: string, verb: Verb, namespace?: string, name?: string): ResourceTarget {
  const info: KindInfo | undefined = kindInfo(group, kind);
  if (!info) throw new RangeError(`unknown kind ${kind}.${group}`);
  return { verb, group, version: info.version, resource: info.plural, namespace: info.clusterScoped ? undefined : namespace, name };
}

/**
 * `/api/v1/namespaces/ns/pods/name` or `/apis/group/version/namespaces/ns/resource/name/sub`.
 * @throws InputError when a namespace or name could address anything but itself (empty, `.`, `..`, `/`, `%`, control
 * characters): a request for object `..` must never become a request for its collection or parent.
 */
export function pathOf(target: ResourceTarget): string {
  const parts = [target.group === '' ? `/api/${target.version}` : `/apis/${target.group}/${target.version}`];
  if (target.namespace !== undefined && target.namespace !== '') parts.push('namespaces', segment('namespace', target.namespace, target));
  parts.push(target.resource);
  if (target.name !== undefined) parts.push(segment('name', target.name, target));
  if (target.subresource) parts.push(target.subresource);
  return parts.join('/').replace(/^\/\//, '/');
}

function segment(what: 'name' | 'namespace', value: string, target: ResourceTarget): string {
  const problem = pathSegmentProblem(value);
  if (problem) throw new InputError(`refusing to ${target.verb} ${resourceName(target)} with ${what} ${JSON.stringify(value)}: a ${what} ${problem}`);
  return encodeURIComponent(value);
}

/**
 * Defence in depth, checked on the final URL: a request for a named object must address exactly that object (URL
 * parsing collapses dot segments, so `a/..` would otherwise reach the collection).
 * @throws InputError otherwise.
 */
export function checkRequestUrl(target: ResourceTarget, url: URL): void {
  if (target.name === undefined) return;
  const tail = `/${target.resource}/${encodeURIComponent(target.name)}${target.subresource ? `/${target.subresource}` : ''}`;
  const inNamespace = target.namespace ? `/namespaces/${encodeURIComponent(target.namespace)}${tail}` : tail;
  if (!url.pathname.endsWith(inNamespace)) {
    throw new InputError(`refusing to ${target.verb} ${resourceName(target)} ${JSON.stringify(target.name)}: the request path ${JSON.stringify(url.pathname)} does not address it`);
  }
}

/** `virtualmachines.kubevirt.io`, `pods`, `virtualmachineinstances/freeze.subresources.kubevirt.io`. */
export function resourceName(target: ResourceTarget): string {
  const resource = target.subresource ? `${target.resource}/${target.subresource}` : target.resource;
  return target.group === '' ? resource : `${resource}.${target.group}`;
}

/** `list virtualmachines.kubevirt.io in namespace ns1`, `get virtualmachineclusterinstancetypes.… "big"`. */
export function describeTarget(target: ResourceTarget): string {
  const name = target.name ? ` "${target.name}"` : '';
  const where = target.namespace ? ` in namespace ${target.namespace}` : target.verb === 'list' ? ' in all namespaces' : '';
  return `${target.verb} ${resourceName(target)}${name}${where}`;
}

/**
 * The error for a permanent failure: 401, 403 (naming the missing permission), 404, 409, 422, or any other status.
 * `body` is what the apiserver sent: its Status object gives the message and the reason the error carries.
 */
export function failureError(target: ResourceTarget, status: number, body: unknown): ClusterError {
  const what = describeTarget(target);
  const message = statusMessage(body);
  const api = { status, reason: statusReason(body) };
  const said = message ? `: ${message}` : '';
  switch (status) {
    case 401:
      return new ClusterError(`cannot ${what}: the cluster rejected the credentials (401 Unauthorized)${said}`, [], api);
    case 403: {
      const scope = target.namespace ? `in namespace ${target.namespace}` : 'cluster-wide';
      const group = target.group === '' ? '"" (core)' : target.group;
      const details = [
        `missing permission: verb "${target.verb}" on resource "${target.subresource ? `${target.resource}/${target.subresource}` : target.resource}" in API group ${group}, ${scope}`,
        'the role kubectl-kvbackup needs is printed by: kubectl kvbackup rbac',
        ...(message ? [`apiserver: ${message}`] : []),
      ];
      return new ClusterError(`cannot ${what}: forbidden (403)`, details, api);
    }
    case 404:
      return new ClusterError(`cannot ${what}: not found (404)${said}`, [], api);
    default:
      return new ClusterError(`cannot ${what}: HTTP ${status}${said}`, [], api);
  }
}

/** The `message` of a Kubernetes Status body (or the start of a plain-text body). */
export function statusMessage(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') return body.message;
  if (typeof body === 'string' && body.trim() !== '') return body.trim().slice(0, 300);
  return undefined;
}

/** The `reason` of a Kubernetes Status body (`Forbidden`, `NotFound`, `AlreadyExists`, `Conflict`, …). */
export function statusReason(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'kind' in body && body.kind === 'Status' && 'reason' in body && typeof body.reason === 'string' && body.reason !== '') return body.reason;
  return undefined;
}

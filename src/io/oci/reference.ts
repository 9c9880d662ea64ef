// `oci://HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]`: where a bundle lives in a registry, parsed and checked.

import { UsageError } from '../../errors.ts';

/** The scheme that marks a bundle location as a registry reference rather than a file. */
export const OCI_SCHEME = 'oci://';

export interface OciReference {
  /** `host` or `host:port`, as credentials are keyed. */
  registry: string;
  repository: string;
  /** The tag; `latest` when neither a tag nor a digest is given. */
  tag?: string;
  /** `sha256:<hex>` when the reference pins a digest. */
  digest?: string;
}

// The distribution-spec's grammar for repository names and tags ("Pulling manifests").
const REPOSITORY = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?$/;

/** True when `location` names a registry (`oci://…`) rather than a file. */
export function isOciLocation(location: string): boolean {
  return location.startsWith(OCI_SCHEME);
}

/**
 * Parses `oci://host[:port]/repository[:tag][@sha256:hex]`.
 * @throws UsageError naming what is wrong.
 */
export function parseOciReference(location: string): OciReference {
  if (!isOciLocation(location)) throw new UsageError(`${location}: not a registry reference (oci://HOST/REPOSITORY:TAG)`);
  const rest = location.slice(OCI_SCHEME.length);
  const slash = rest.indexOf('/');
  const bad = (why: string) => new UsageError(`${location}: ${why} (expected oci://HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST])`);
  if (slash <= 0) throw bad('no repository');
  const registry = rest.slice(0, slash);
  if (!HOST.test(registry)) throw bad(`invalid registry host ${JSON.stringify(registry)}`);
  let path = rest.slice(slash + 1);
  const reference: OciReference = { registry, repository: '' };
  const at = path.indexOf('@');
  if (at !== -1) {
    const digest = path.slice(at + 1);
    if (!DIGEST.test(digest)) throw bad(`invalid digest ${JSON.stringify(digest)}`);
    reference.digest = digest;
    path = path.slice(0, at);
  }
  const colon = path.lastIndexOf(':');
  if (colon !== -1 && !path.slice(colon).includes('/')) {
    const tag = path.slice(colon + 1);
    if (!TAG.test(tag)) throw bad(`invalid tag ${JSON.stringify(tag)}`);
    reference.tag = tag;
    path = path.slice(0, colon);
  }
  if (!REPOSITORY.test(path) || path.length > 255) throw bad(`invalid repository ${JSON.stringify(path)} (lower-case letters, digits, separators)`);
  reference.repository = path;
  if (reference.tag === undefined && reference.digest === undefined) reference.tag = 'latest';
  return reference;
}

/** The reference the manifest endpoints take: the digest when pinned, else the tag. */
export function manifestReference(reference: OciReference): string {
  return reference.digest ?? reference.tag ?? 'latest';
}

/** `oci://host/repository:tag[@digest]`, for messages. */
export function formatOciReference(reference: OciReference): string {
  return `${OCI_SCHEME}${reference.registry}/${reference.repository}${reference.tag === undefined ? '' : `:${reference.tag}`}${reference.digest === undefined ? '' : `@${reference.digest}`}`;
}

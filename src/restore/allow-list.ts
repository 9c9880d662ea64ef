// What restore may create: the kinds a VM backup holds (the kind registry's allow-list), widened only by --allow-kind.

import { UsageError } from '../errors.ts';
import { kindInfo, kindName, KNOWN_KINDS } from '../model/kinds.ts';
import { groupOf, type KubeObject } from '../model/kube-object.ts';
import { describeRef, refOf } from '../model/object-ref.ts';

/**
 * Parses `--allow-kind KIND.GROUP` values (`Pod` for the core group, `MigrationPolicy.migrations.kubevirt.io`) into
 * the `group/Kind` keys they allow.
 * @throws UsageError for a value that is not a kind name.
 */
export function parseAllowedKinds(values: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const value of values) {
    const match = /^([A-Z][A-Za-z0-9]*)(?:\.([a-z0-9]([-a-z0-9.]*[a-z0-9])?))?$/.exec(value);
    if (!match) throw new UsageError(`--allow-kind expects KIND.GROUP (Pod, StorageClass.storage.k8s.io), got ${JSON.stringify(value)}`);
    keys.add(`${match[2] ?? ''}/${match[1]}`);
  }
  return keys;
}

/** The objects restore would refuse to create, each described with its kind as `--allow-kind` spells it. */
export function refusedObjects(objects: readonly KubeObject[], allowed: ReadonlySet<string>): string[] {
  const refused: string[] = [];
  for (const object of objects) {
    const group = groupOf(object.apiVersion);
    const info = kindInfo(group, object.kind);
    if (info?.restore.allowed || allowed.has(`${group}/${object.kind}`)) continue;
    refused.push(`${describeRef(refOf(object))} (--allow-kind ${kindName({ group, kind: object.kind })})`);
  }
  return refused;
}

/** The kinds restore creates without --allow-kind, as the README lists them. */
export function restorableKindNames(): string[] {
  return KNOWN_KINDS.filter((info) => info.restore.allowed).map(kindName);
}

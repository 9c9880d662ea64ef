// The seam between input and core: objects by identity, kind, label and owner, whoever read them.

import { InputError } from '../errors.ts';
import type { KubeObject } from './kube-object.ts';
import { compareRefs, describeRef, kindKey, refKey, refOf, type ObjectRef } from './object-ref.ts';

/** One object and where it came from (a file, a bundle entry, a cluster list), for messages. */
export interface SourcedObject {
  object: KubeObject;
  source?: string;
}

interface Entry {
  ref: ObjectRef;
  object: KubeObject;
  source: string | undefined;
}

/**
 * Read-only index over a set of objects. Built once by the file reader, the bundle reader or the
 * cluster lister; the graph and the transform rules only query it.
 */
export class ObjectIndex {
  readonly #byKey = new Map<string, Entry>();
  readonly #byKind = new Map<string, Entry[]>();
  readonly #byUid = new Map<string, Entry>();
  #byOwnerUid: Map<string, Entry[]> | undefined;
  #byLabel: Map<string, Entry[]> | undefined;
  #sorted: Entry[] | undefined;

  /** @throws InputError when two objects share an identity. */
  constructor(objects: Iterable<SourcedObject>, defaultNamespace = '') {
    for (const { object, source } of objects) {
      const ref = refOf(object, defaultNamespace);
      const key = refKey(ref);
      const previous = this.#byKey.get(key);
      if (previous) {
        const where = [previous.source, source].filter(Boolean).join(' and ');
        throw new InputError(`duplicate object ${describeRef(ref)}${where ? ` (in ${where})` : ''}`);
      }
      const entry = { ref, object, source };
      this.#byKey.set(key, entry);
      const kind = kindKey(ref.group, ref.kind);
      const list = this.#byKind.get(kind);
      if (list) list.push(entry);
      else this.#byKind.set(kind, [entry]);
      const uid = object.metadata.uid;
      if (uid) this.#byUid.set(uid, entry);
    }
  }

  static of(objects: Iterable<KubeObject>, defaultNamespace = ''): ObjectIndex {
    return new ObjectIndex([...objects].map((object) => ({ object })), defaultNamespace);
  }

  get size(): number {
    return this.#byKey.size;
  }

  get(ref: ObjectRef): KubeObject | undefined {
    return this.#byKey.get(refKey(ref))?.object;
  }

  has(ref: ObjectRef): boolean {
    return this.#byKey.has(refKey(ref));
  }

  /** Where the object was read from, when the reader said. */
  sourceOf(ref: ObjectRef): string | undefined {
    return this.#byKey.get(refKey(ref))?.source;
  }

  /** The ref of an indexed object, with the namespace the index gave it. */
  refOf(object: KubeObject): ObjectRef {
    const uid = object.metadata.uid;
    const byUid = uid ? this.#byUid.get(uid) : undefined;
    if (byUid && byUid.object === object) return byUid.ref;
    for (const entry of this.#byKind.get(kindKey(groupOfObject(object), object.kind)) ?? []) {
      if (entry.object === object) return entry.ref;
    }
    return refOf(object);
  }

  /** Every object of a kind, sorted by ref. */
  ofKind(group: string, kind: string): KubeObject[] {
    return sortEntries(this.#byKind.get(kindKey(group, kind)) ?? []).map((entry) => entry.object);
  }

  byUid(uid: string): KubeObject | undefined {
    return this.#byUid.get(uid)?.object;
  }

  /** Objects whose ownerReferences name `uid`, sorted by ref. */
  ownedBy(uid: string): KubeObject[] {
    if (!this.#byOwnerUid) {
      this.#byOwnerUid = new Map();
      for (const entry of this.#byKey.values()) {
        for (const owner of entry.object.metadata.ownerReferences ?? []) {
          const list = this.#byOwnerUid.get(owner.uid);
          if (list) list.push(entry);
          else this.#byOwnerUid.set(owner.uid, [entry]);
        }
      }
    }
    return sortEntries(this.#byOwnerUid.get(uid) ?? []).map((entry) => entry.object);
  }

  /** Objects in `namespace` whose label `key` equals `value`, sorted by ref. */
  withLabel(namespace: string, key: string, value: string): KubeObject[] {
    if (!this.#byLabel) {
      this.#byLabel = new Map();
      for (const entry of this.#byKey.values()) {
        for (const [labelKey, labelValue] of Object.entries(entry.object.metadata.labels ?? {})) {
          const mapKey = labelIndexKey(entry.ref.namespace, labelKey, labelValue);
          const list = this.#byLabel.get(mapKey);
          if (list) list.push(entry);
          else this.#byLabel.set(mapKey, [entry]);
        }
      }
    }
    return sortEntries(this.#byLabel.get(labelIndexKey(namespace, key, value)) ?? []).map((entry) => entry.object);
  }

  /** Every object with its ref, sorted by ref. */
  entries(): { ref: ObjectRef; object: KubeObject; source: string | undefined }[] {
    this.#sorted ??= sortEntries([...this.#byKey.values()]);
    return this.#sorted;
  }

  objects(): KubeObject[] {
    return this.entries().map((entry) => entry.object);
  }
}

function labelIndexKey(namespace: string, key: string, value: string): string {
  return `${namespace}\u0000${key}\u0000${value}`;
}

function groupOfObject(object: KubeObject): string {
  const slash = object.apiVersion.indexOf('/');
  return slash < 0 ? '' : object.apiVersion.slice(0, slash);
}

function sortEntries(entries: Entry[]): Entry[] {
  return [...entries].sort((a, b) => compareRefs(a.ref, b.ref));
}

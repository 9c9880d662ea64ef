// The identity of an object in the graph: the guide's tuple (APIGroup, Kind, namespace, name).

import { groupOf, type KubeObject } from './kube-object.ts';
import { isClusterScoped } from './kinds.ts';

/** `group` is "" for the core group; `namespace` is "" for cluster-scoped objects. */
export interface ObjectRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** The ref of an object; a namespaced object without a namespace gets `defaultNamespace`. */
export function refOf(object: KubeObject, defaultNamespace = ''): ObjectRef {
  const group = groupOf(object.apiVersion);
  const namespace = isClusterScoped(group, object.kind) ? '' : (object.metadata.namespace ?? defaultNamespace);
  return { group, kind: object.kind, namespace, name: object.metadata.name };
}

/** A stable, unique string for a ref: `group/kind/namespace/name`. */
export function refKey(ref: ObjectRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** `group/Kind`, the key kinds are registered under (`/Pod` for the core group). */
export function kindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

/** Human form for messages: `VirtualMachine.kubevirt.io ns1/vm1`, `Pod ns1/p`, `VirtualMachineClusterInstancetype.instancetype.kubevirt.io big`. */
export function describeRef(ref: ObjectRef): string {
  const kind = ref.group === '' ? ref.kind : `${ref.kind}.${ref.group}`;
  return ref.namespace === '' ? `${kind} ${ref.name}` : `${kind} ${ref.namespace}/${ref.name}`;
}

/** Total order used for every sorted output: group, kind, namespace, name (code-unit order, locale-free). */
export function compareRefs(a: ObjectRef, b: ObjectRef): number {
  return (
    compareStrings(a.group, b.group) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.namespace, b.namespace) ||
    compareStrings(a.name, b.name)
  );
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

// The namespaces a restore needs: those its objects live in, created first when the input does not carry them.

import type { KubeObject } from '../model/kube-object.ts';
import { compareStrings } from '../model/object-ref.ts';
import { isClusterScoped } from '../model/kinds.ts';
import { groupOf } from '../model/kube-object.ts';

/** Every namespace a namespaced object of `objects` lives in, sorted. */
export function namespacesOf(objects: readonly KubeObject[]): string[] {
  const names = new Set<string>();
  for (const object of objects) {
    if (isClusterScoped(groupOf(object.apiVersion), object.kind)) continue;
    if (object.metadata.namespace) names.add(object.metadata.namespace);
  }
  return [...names].sort(compareStrings);
}

/**
 * Namespace objects for the namespaces the objects need but the input does not carry (manifests, or a restore
 * into `--target-namespace`), so `restore --target-namespace new` works on a cluster without `new`. An existing
 * namespace is then reported unchanged.
 */
export function withNamespaces(objects: readonly KubeObject[]): KubeObject[] {
  const carried = new Set(objects.filter((object) => object.apiVersion === 'v1' && object.kind === 'Namespace').map((object) => object.metadata.name));
  const added = namespacesOf(objects)
    .filter((name) => !carried.has(name))
    .map((name): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  return [...added, ...objects];
}

// Gives namespaced objects that carry no namespace the one from `-n`, as `kubectl create -n` does.

import { groupOf, type KubeObject } from './kube-object.ts';
import { isClusterScoped } from './kinds.ts';

/** A copy of `object` with `metadata.namespace` set (right after `name`) when it is namespaced and has none. */
export function withDefaultNamespace(object: KubeObject, namespace: string): KubeObject {
  if (object.metadata.namespace || isClusterScoped(groupOf(object.apiVersion), object.kind)) return object;
  const metadata: KubeObject['metadata'] = { name: object.metadata.name };
  metadata.namespace = namespace;
  for (const [key, value] of Object.entries(object.metadata)) {
    if (key !== 'name' && key !== 'namespace') metadata[key] = value;
  }
  return { ...object, metadata };
}

// An object's scope comes from its kind, never from where the input put it.

import { kindInfo } from '../model/kinds.ts';
import { groupOf, type KubeObject } from '../model/kube-object.ts';

/**
 * A copy of `object` whose namespace follows its kind: a cluster-scoped kind loses any `metadata.namespace`, a
 * namespaced kind without one gets `defaultNamespace` (`-n`). Kinds the registry does not know are left as they are:
 * the apiserver's discovery decides at apply time.
 */
export function withKindScope(object: KubeObject, defaultNamespace: string): KubeObject {
  const info = kindInfo(groupOf(object.apiVersion), object.kind);
  if (!info) return object;
  if (info.clusterScoped) {
    if (object.metadata.namespace === undefined) return object;
    const { namespace: _dropped, ...metadata } = object.metadata;
    return { ...object, metadata };
  }
  if (object.metadata.namespace) return object;
  return { ...object, metadata: { ...object.metadata, namespace: defaultNamespace } };
}

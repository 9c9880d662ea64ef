// Edge family: a PVC to the object its spec.dataSourceRef / spec.dataSource populates it from.

import { get, getString, isRecord } from '../../model/kube-object.ts';
import { Kinds } from '../../model/kinds.ts';
import { sameRef } from '../../model/object-ref.ts';
import { defineEdgeFamily, type EdgeTarget } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';

/** Bound: provisioning is over, so the source is no longer read (and CDI deletes its temporary ones). */
function isBound(pvc: unknown): boolean {
  return getString(pvc, 'status', 'phase') === 'Bound' || nonEmpty(getString(pvc, 'spec', 'volumeName')) !== undefined;
}

type SourceField = 'dataSourceRef' | 'dataSource';

function sourceEdge(pvc: unknown, field: SourceField, namespace: string, optional: boolean): EdgeTarget[] {
  const source = get(pvc, 'spec', field);
  const kind = nonEmpty(get(source, 'kind'));
  const name = nonEmpty(get(source, 'name'));
  if (!isRecord(source) || !kind || !name) return [];
  const group = nonEmpty(get(source, 'apiGroup')) ?? '';
  // Only dataSourceRef may cross namespaces (the CrossNamespaceVolumeDataSource feature).
  const sourceNamespace = (field === 'dataSourceRef' && nonEmpty(get(source, 'namespace'))) || namespace;
  return [edgeTo({ group, kind }, sourceNamespace, name, `spec.${field}.name`, optional)];
}

export default defineEdgeFamily({
  name: 'pvc-data-source',
  description:
    'Link a PersistentVolumeClaim to the PVC, VolumeSnapshot or populator source in spec.dataSourceRef or spec.dataSource, optional once the claim is bound because the source is then never read again.',
  fromKinds: [Kinds.PersistentVolumeClaim],
  edges(pvc, { ref }) {
    const optional = isBound(pvc);
    const fromRef = sourceEdge(pvc, 'dataSourceRef', ref.namespace, optional);
    const fromSource = sourceEdge(pvc, 'dataSource', ref.namespace, optional);
    // Kubernetes mirrors one field into the other; a second edge to the same target would say nothing new.
    const [first] = fromRef;
    const [second] = fromSource;
    return first && second && sameRef(first.to, second.to) ? fromRef : [...fromRef, ...fromSource];
  },
});

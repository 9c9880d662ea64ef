// Reads the clone sources of a DataVolume spec (also a VM's dataVolumeTemplates) and of a DataSource.

import { get, getString, type KubeObject } from '../model/kube-object.ts';
import { Annotations, Kinds, type GroupKind } from '../model/kinds.ts';
import type { EdgeTarget } from './edge-family.ts';
import { edgeTo, nonEmpty } from './edge-target.ts';

/** CSI VolumeSnapshot: a clone or restore source CDI reads. */
export const VolumeSnapshotKind: GroupKind = Kinds.VolumeSnapshot;

/** `{namespace?, name}` at `path` under `spec`: an edge to `kind`, in `namespace` when the reference names none. */
function namespacedSource(
  spec: unknown,
  path: string[],
  kind: GroupKind,
  reasonPrefix: string,
  namespace: string,
  optional: boolean,
): EdgeTarget[] {
  const name = nonEmpty(getString(spec, ...path, 'name'));
  if (!name) return [];
  const sourceNamespace = nonEmpty(getString(spec, ...path, 'namespace')) ?? namespace;
  return [edgeTo(kind, sourceNamespace, name, `${reasonPrefix}.${path.join('.')}.name`, optional)];
}

/**
 * Edges from a DataVolume spec at `reasonPrefix` to what CDI clones from: `source.pvc`, `source.snapshot` and a
 * `sourceRef` to a DataSource. Other sources (http, registry, blank, upload, …) name no object.
 */
export function dataVolumeSourceEdges(
  dvSpec: unknown,
  reasonPrefix: string,
  namespace: string,
  optional: boolean,
): EdgeTarget[] {
  const edges = [
    ...namespacedSource(dvSpec, ['source', 'pvc'], Kinds.PersistentVolumeClaim, reasonPrefix, namespace, optional),
    ...namespacedSource(dvSpec, ['source', 'snapshot'], VolumeSnapshotKind, reasonPrefix, namespace, optional),
  ];
  const refKind = getString(dvSpec, 'sourceRef', 'kind') ?? Kinds.DataSource.kind;
  if (refKind === Kinds.DataSource.kind && get(dvSpec, 'sourceRef') !== undefined) {
    edges.push(...namespacedSource(dvSpec, ['sourceRef'], Kinds.DataSource, reasonPrefix, namespace, optional));
  }
  return edges;
}

/** Edges from a DataSource spec to the PVC, VolumeSnapshot or DataSource in its `source`. */
export function dataSourceSourceEdges(spec: unknown, namespace: string): EdgeTarget[] {
  return [
    ...namespacedSource(spec, ['source', 'pvc'], Kinds.PersistentVolumeClaim, 'spec', namespace, false),
    ...namespacedSource(spec, ['source', 'snapshot'], VolumeSnapshotKind, 'spec', namespace, false),
    ...namespacedSource(spec, ['source', 'dataSource'], Kinds.DataSource, 'spec', namespace, false),
  ];
}

/** A DataVolume whose data is in place: phase Succeeded, or marked prePopulated so CDI never populates it. */
export function isPopulatedDataVolume(dv: KubeObject): boolean {
  if (getString(dv, 'status', 'phase') === 'Succeeded') return true;
  return dv.metadata.annotations?.[Annotations.prePopulated] !== undefined;
}

// A claim a CDI volume populator already filled loses its dataSourceRef, so the populator does not fill it again.

import { get, getString, isRecord, type KubeObject } from '../../model/kube-object.ts';
import { Kinds } from '../../model/kinds.ts';
import { removeOp } from '../ops.ts';
import { pointer } from '../pointer.ts';
import { changes, defineRule } from '../rule.ts';

/** CDI's populator source kinds (pkg/controller/populators: import, upload and clone populators). */
const POPULATOR_KINDS: readonly string[] = ['VolumeImportSource', 'VolumeUploadSource', 'VolumeCloneSource'];
const CDI_GROUP = 'cdi.kubevirt.io';

/** Whether a data source reference names a CDI populator source. */
function namesPopulator(reference: unknown): boolean {
  return isRecord(reference) && reference['apiGroup'] === CDI_GROUP && POPULATOR_KINDS.includes(String(reference['kind']));
}

/**
 * Whether the claim holds its data: Bound when exported (the populator only acts on unbound claims and rebinds
 * its volume to the claim when done), or CDI recorded the population Succeeded (IsPVCComplete).
 */
function populated(claim: KubeObject): boolean {
  return getString(claim, 'status', 'phase') === 'Bound' || claim.metadata.annotations?.['cdi.kubevirt.io/storage.pod.phase'] === 'Succeeded';
}

export default defineRule({
  name: 'strip-populator-sources',
  description:
    'Strip spec.dataSourceRef (and the matching spec.dataSource) from claims that a CDI populator source (VolumeImportSource, VolumeUploadSource, VolumeCloneSource) already filled, so the restored claim keeps its data instead of being populated again.',
  kinds: [Kinds.PersistentVolumeClaim],
  create() {
    return (claim) => {
      const ref = get(claim, 'spec', 'dataSourceRef');
      if (!namesPopulator(ref) || !populated(claim)) return undefined;
      // The guide's populator scenario expects the restored claim Bound with the data it had; Velero does the same
      // by dropping both fields at backup (velero#6111), and an unbound claim naming a source that is gone or
      // already used would wait forever (kubevirt-velero-plugin#213).
      const source = get(claim, 'spec', 'dataSource');
      const sameSource = namesPopulator(source) && get(source, 'name') === get(ref, 'name');
      return changes([
        ...removeOp(pointer('spec', 'dataSourceRef'), ref),
        ...(sameSource ? removeOp(pointer('spec', 'dataSource'), source) : []),
      ]);
    };
  },
});

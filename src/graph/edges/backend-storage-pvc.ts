// Edge family: a VM or VMI with persistent TPM or EFI to the backend-storage PVC that keeps that state.

import { get } from '../../model/kube-object.ts';
import { Kinds, isKind } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo } from '../edge-target.ts';
import { vmiSpecOf } from '../templates.ts';

/** The label KubeVirt puts on backend-storage PVCs; its value is the VM (or VMI) name. */
export const PERSISTENT_STATE_LABEL = 'persistent-state-for';

export default defineEdgeFamily({
  name: 'backend-storage-pvc',
  description:
    'Link a VM or VMI with a persistent TPM or EFI to its PVCs labelled persistent-state-for=<name>, else optionally to the fixed name persistent-state-for-<name> since a VM that never ran has none.',
  // A pool's VMs and a replica set's VMIs each have their own state, linked from the VM or VMI itself.
  fromKinds: [Kinds.VirtualMachine, Kinds.VirtualMachineInstance],
  edges(object, { index, ref }) {
    const vmi = vmiSpecOf(object)?.spec;
    const persistent =
      get(vmi, 'domain', 'devices', 'tpm', 'persistent') === true ||
      get(vmi, 'domain', 'firmware', 'bootloader', 'efi', 'persistent') === true;
    if (!persistent) return [];
    const labelled = index
      .withLabel(ref.namespace, PERSISTENT_STATE_LABEL, ref.name)
      .filter((candidate) => isKind(candidate, Kinds.PersistentVolumeClaim));
    if (labelled.length > 0) {
      const reason = `label ${PERSISTENT_STATE_LABEL}=${ref.name}`;
      return labelled.map((pvc) => edgeTo(Kinds.PersistentVolumeClaim, ref.namespace, pvc.metadata.name, reason));
    }
    const name = `${PERSISTENT_STATE_LABEL}-${ref.name}`;
    return [edgeTo(Kinds.PersistentVolumeClaim, ref.namespace, name, `fallback name ${name}`, true)];
  },
});

// Edge family: a VMI to its virt-launcher Pod.

import { Kinds, Labels, isKind } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo } from '../edge-target.ts';

/** The annotation the reference plugin matches launcher Pods by: the VMI name. */
const DOMAIN_ANNOTATION = 'kubevirt.io/domain';

export default defineEdgeFamily({
  name: 'vmi-launcher-pod',
  description:
    'Link a VMI to its virt-launcher Pod by label kubevirt.io/created-by=<uid> (else by annotation kubevirt.io/domain), optional because the Pod is runtime state that is never restored.',
  fromKinds: [Kinds.VirtualMachineInstance],
  edges(vmi, { index, ref }) {
    const pods = (key: string, value: string) =>
      index.withLabel(ref.namespace, key, value).filter((object) => isKind(object, Kinds.Pod));
    const uid = vmi.metadata.uid;
    const byUid = uid ? pods(Labels.createdBy, uid) : [];
    if (byUid.length > 0) {
      const reason = `label ${Labels.createdBy}=${uid}`;
      return byUid.map((pod) => edgeTo(Kinds.Pod, ref.namespace, pod.metadata.name, reason, true));
    }
    // Input without uids (hand-written or sanitised) still names the launcher by the VMI's domain name.
    const reason = `label ${Labels.kubevirtApp}=virt-launcher, annotation ${DOMAIN_ANNOTATION}=${ref.name}`;
    return pods(Labels.kubevirtApp, 'virt-launcher')
      .filter((pod) => pod.metadata.annotations?.[DOMAIN_ANNOTATION] === ref.name)
      .map((pod) => edgeTo(Kinds.Pod, ref.namespace, pod.metadata.name, reason, true));
  },
});

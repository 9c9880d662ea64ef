// Virt-launcher Pods and hotplug-disk attachment Pods are runtime objects KubeVirt recreates.

import { Kinds, Labels } from '../../model/kinds.ts';
import { describeRef } from '../../model/object-ref.ts';
import { ownersOfKind } from '../owners.ts';
import { defineRule } from '../rule.ts';

/** `kubevirt.io` label values of the Pods KubeVirt runs for a VMI. */
const RUNTIME_POD_ROLES: readonly string[] = ['virt-launcher', 'hotplug-disk'];

export default defineRule({
  name: 'drop-launcher-pods',
  description: 'Drop virt-launcher Pods (owned by a VirtualMachineInstance or labelled so) and hotplug-disk Pods.',
  kinds: [Kinds.Pod],
  create() {
    return (pod, ref) => {
      const owner = ownersOfKind(pod, Kinds.VirtualMachineInstance)[0];
      if (owner) {
        const vmi = describeRef({ ...Kinds.VirtualMachineInstance, namespace: ref.namespace, name: owner.name });
        return { drop: `virt-launcher Pod owned by ${vmi}, which KubeVirt recreates` };
      }
      const role = pod.metadata.labels?.[Labels.kubevirtApp];
      if (role !== undefined && RUNTIME_POD_ROLES.includes(role)) {
        return { drop: `${role} Pod (label ${Labels.kubevirtApp}=${role}), which KubeVirt recreates` };
      }
      return undefined;
    };
  },
});

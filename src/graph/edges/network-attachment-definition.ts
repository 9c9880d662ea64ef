// Edge family: Multus networks to their NetworkAttachmentDefinition.

import { getArray, getString } from '../../model/kube-object.ts';
import { Kinds, type GroupKind, VMI_SPEC_KINDS } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';
import { vmiSpecOf } from '../templates.ts';

/** Multus network definitions. */
export const NetworkAttachmentDefinitionKind: GroupKind = Kinds.NetworkAttachmentDefinition;

export default defineEdgeFamily({
  name: 'network-attachment-definition',
  description:
    'Link a VM, VMI, replica set or pool to the NetworkAttachmentDefinition each multus network names as <name> or <namespace>/<name>.',
  fromKinds: VMI_SPEC_KINDS,
  edges(object, { ref }) {
    const vmi = vmiSpecOf(object);
    if (!vmi) return [];
    return getArray(vmi.spec, 'networks').flatMap((network, i) => {
      const networkName = nonEmpty(getString(network, 'multus', 'networkName'));
      if (!networkName) return [];
      const slash = networkName.indexOf('/');
      const namespace = slash < 0 ? ref.namespace : networkName.slice(0, slash);
      const name = slash < 0 ? networkName : networkName.slice(slash + 1);
      if (!name || !namespace) return [];
      const reason = `${vmi.path}.networks[${i}].multus.networkName`;
      return [edgeTo(NetworkAttachmentDefinitionKind, namespace, name, reason)];
    });
  },
});

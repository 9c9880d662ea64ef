// Edge family: a VM or pool to the preference its spec.preference names.

import { defineEdgeFamily } from '../edge-family.ts';
import { matcherEdges } from '../instancetype-matcher.ts';
import { vmSpecOf } from '../templates.ts';
import { VM_SPEC_KINDS } from '../../model/kinds.ts';

export default defineEdgeFamily({
  name: 'vm-preference',
  description:
    'Link a VM or pool to the VirtualMachinePreference or VirtualMachineClusterPreference its spec.preference names, optional and external when cluster-scoped.',
  fromKinds: VM_SPEC_KINDS,
  edges: (object, { ref }) => matcherEdges(vmSpecOf(object), 'preference', ref.namespace),
});

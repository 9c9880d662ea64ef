// Edge family: a VM or pool to the instancetype its spec.instancetype names.

import { defineEdgeFamily } from '../edge-family.ts';
import { matcherEdges } from '../instancetype-matcher.ts';
import { vmSpecOf } from '../templates.ts';
import { VM_SPEC_KINDS } from '../../model/kinds.ts';

export default defineEdgeFamily({
  name: 'vm-instancetype',
  description:
    'Link a VM or pool to the VirtualMachineInstancetype or VirtualMachineClusterInstancetype its spec.instancetype names, optional and external when cluster-scoped.',
  fromKinds: VM_SPEC_KINDS,
  edges: (object, { ref }) => matcherEdges(vmSpecOf(object), 'instancetype', ref.namespace),
});

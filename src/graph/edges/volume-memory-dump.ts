// Edge family: memoryDump volumes to the PVC that holds the dump.

import { getString } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';
import { volumesOf } from '../templates.ts';

export default defineEdgeFamily({
  name: 'volume-memory-dump',
  description: 'Link a VM, VMI, replica set or pool to the PVC each memoryDump volume names.',
  fromKinds: VMI_SPEC_KINDS,
  edges: (object, { ref }) =>
    volumesOf(object).flatMap(({ volume, path }) => {
      const claim = nonEmpty(getString(volume, 'memoryDump', 'claimName'));
      return claim ? [edgeTo(Kinds.PersistentVolumeClaim, ref.namespace, claim, `${path}.memoryDump.claimName`)] : [];
    }),
});

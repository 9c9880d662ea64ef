// Edge family: a populated DataVolume to the PVC of the same name that holds its data.

import { Kinds } from '../../model/kinds.ts';
import { isPopulatedDataVolume } from '../clone-sources.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo } from '../edge-target.ts';

export default defineEdgeFamily({
  name: 'datavolume-pvc',
  description:
    'Link a DataVolume that Succeeded or is marked prePopulated to its same-name PVC, required because CDI then waits for that claim instead of importing again.',
  fromKinds: [Kinds.DataVolume],
  edges(dv, { ref }) {
    if (!isPopulatedDataVolume(dv)) return [];
    return [edgeTo(Kinds.PersistentVolumeClaim, ref.namespace, ref.name, 'PersistentVolumeClaim of the same name')];
  },
});

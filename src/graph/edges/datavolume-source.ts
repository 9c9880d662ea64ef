// Edge family: a DataVolume to the PVC, snapshot or DataSource it clones from.

import { get } from '../../model/kube-object.ts';
import { Kinds } from '../../model/kinds.ts';
import { dataVolumeSourceEdges, isPopulatedDataVolume } from '../clone-sources.ts';
import { defineEdgeFamily } from '../edge-family.ts';

export default defineEdgeFamily({
  name: 'datavolume-source',
  description:
    'Link a DataVolume to the PVC, VolumeSnapshot or DataSource it clones from, optional once it Succeeded or is marked prePopulated because CDI then never reads the source again.',
  fromKinds: [Kinds.DataVolume],
  edges(dv, { ref }) {
    return dataVolumeSourceEdges(get(dv, 'spec'), 'spec', ref.namespace, isPopulatedDataVolume(dv));
  },
});

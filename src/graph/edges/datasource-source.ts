// Edge family: a CDI DataSource to the PVC, snapshot or DataSource it points at.

import { get } from '../../model/kube-object.ts';
import { Kinds } from '../../model/kinds.ts';
import { dataSourceSourceEdges } from '../clone-sources.ts';
import { defineEdgeFamily } from '../edge-family.ts';

export default defineEdgeFamily({
  name: 'datasource-source',
  description: 'Link a DataSource to the PVC, VolumeSnapshot or DataSource its spec.source points at.',
  fromKinds: [Kinds.DataSource],
  edges: (dataSource, { ref }) => dataSourceSourceEdges(get(dataSource, 'spec'), ref.namespace),
});

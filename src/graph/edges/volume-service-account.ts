// Edge family: serviceAccount volumes to their ServiceAccount.

import { getString } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';
import { volumesOf } from '../templates.ts';

/** Kubernetes creates this ServiceAccount in every namespace. */
const DEFAULT_SERVICE_ACCOUNT = 'default';

export default defineEdgeFamily({
  name: 'volume-service-account',
  description:
    'Link a VM, VMI, replica set or pool to the ServiceAccount each serviceAccount volume names, optional for the default account that Kubernetes creates in every namespace.',
  fromKinds: VMI_SPEC_KINDS,
  edges: (object, { ref }) =>
    volumesOf(object).flatMap(({ volume, path }) => {
      const name = nonEmpty(getString(volume, 'serviceAccount', 'serviceAccountName'));
      if (!name) return [];
      const reason = `${path}.serviceAccount.serviceAccountName`;
      return [edgeTo(Kinds.ServiceAccount, ref.namespace, name, reason, name === DEFAULT_SERVICE_ACCOUNT)];
    }),
});

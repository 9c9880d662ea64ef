// Edge family: a VM to the ControllerRevisions that freeze its instancetype and preference.

import { get, getString, isRecord } from '../../model/kube-object.ts';
import { Kinds } from '../../model/kinds.ts';
import { defineEdgeFamily, type EdgeTarget } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';
import type { MatcherField } from '../instancetype-matcher.ts';

const STATUS_REF: Record<MatcherField, string> = { instancetype: 'instancetypeRef', preference: 'preferenceRef' };

export default defineEdgeFamily({
  name: 'vm-controller-revision',
  description:
    'Link a VM to the ControllerRevisions named by spec.instancetype.revisionName, spec.preference.revisionName and the controllerRevisionRef in status, read only while the spec still has the matcher.',
  fromKinds: [Kinds.VirtualMachine],
  edges(vm, { ref }) {
    const edges: EdgeTarget[] = [];
    for (const field of ['instancetype', 'preference'] as const) {
      // With referencePolicy expand the matcher is gone from spec and the revision no longer matters.
      if (!isRecord(get(vm, 'spec', field))) continue;
      const fromSpec = nonEmpty(getString(vm, 'spec', field, 'revisionName'));
      if (fromSpec) {
        edges.push(edgeTo(Kinds.ControllerRevision, ref.namespace, fromSpec, `spec.${field}.revisionName`));
      }
      const statusRef = STATUS_REF[field];
      const fromStatus = nonEmpty(getString(vm, 'status', statusRef, 'controllerRevisionRef', 'name'));
      if (fromStatus) {
        const reason = `status.${statusRef}.controllerRevisionRef.name`;
        edges.push(edgeTo(Kinds.ControllerRevision, ref.namespace, fromStatus, reason));
      }
    }
    return edges;
  },
});

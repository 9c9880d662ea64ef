// Tell CDI that restored volumes already hold their data, and drop claims CDI must populate again.

import { getString, type KubeObject } from '../../model/kube-object.ts';
import { Annotations, Kinds, isKind } from '../../model/kinds.ts';
import { describeRef, type ObjectRef } from '../../model/object-ref.ts';
import { setOp } from '../ops.ts';
import { ownersOfKind } from '../owners.ts';
import { pointer } from '../pointer.ts';
import { changes, defineRule } from '../rule.ts';

const SUCCEEDED = 'Succeeded';

/**
 * The claim annotations by which CDI itself records that it finished populating a claim
 * (pkg/controller/common/util.go: IsPVCComplete reads AnnPodPhase; AnnCloneOf "is used to indicate that cloning
 * was complete").
 */
const POPULATION_DONE: readonly (readonly [annotation: string, value: string])[] = [
  ['cdi.kubevirt.io/storage.pod.phase', 'Succeeded'],
  ['k8s.io/CloneOf', 'true'],
];

/** The CDI annotation that says the claim's population completed, or undefined. */
function populationDone(claim: KubeObject): string | undefined {
  const annotations = claim.metadata.annotations ?? {};
  const found = POPULATION_DONE.find(([key, value]) => annotations[key] === value);
  return found && `${found[0]}: ${found[1]}`;
}

function annotate(object: KubeObject, key: string, value: string) {
  const annotations = object.metadata.annotations ?? {};
  const current = Object.hasOwn(annotations, key) ? annotations[key] : undefined;
  return setOp(pointer('metadata', 'annotations', key), current, value);
}

export default defineRule({
  name: 'annotate-cdi-populated',
  description:
    'Annotate Succeeded DataVolumes with storage.prePopulated and the claims DataVolumes own with storage.populatedFor (when the DataVolume is absent, only if CDI recorded on the claim that it completed), and drop claims whose DataVolume did not succeed.',
  kinds: [Kinds.DataVolume, Kinds.PersistentVolumeClaim],
  create({ index }) {
    return (object, ref) => {
      if (isKind(object, Kinds.DataVolume)) {
        // The guide: a Succeeded DataVolume without it may corrupt its claim; others re-run their import anyway.
        if (getString(object, 'status', 'phase') !== SUCCEEDED) return undefined;
        return changes(annotate(object, Annotations.prePopulated, object.metadata.name));
      }
      const owner = ownersOfKind(object, Kinds.DataVolume)[0];
      if (!owner) return undefined;
      const dvRef: ObjectRef = { ...Kinds.DataVolume, namespace: ref.namespace, name: owner.name };
      const dv = index.get(dvRef);
      const ops = annotate(object, Annotations.populatedFor, owner.name);
      if (!dv) {
        // Without its DataVolume only CDI's own record on the claim says whether the data is complete; a claim
        // marked populated while half imported would be adopted as it is.
        const done = populationDone(object);
        if (done === undefined) {
          return changes([], [`its DataVolume ${describeRef(dvRef)} is not in the input and CDI did not record that the claim's population completed; left as it is`]);
        }
        return changes(ops, [`its DataVolume ${describeRef(dvRef)} is not in the input; marked the claim populated, as CDI recorded (${done})`]);
      }
      const phase = getString(dv, 'status', 'phase');
      if (phase === undefined) {
        return changes(ops, [`its DataVolume ${describeRef(dvRef)} has no phase; kept the claim and marked it populated`]);
      }
      if (phase !== SUCCEEDED) {
        const reason = `its DataVolume ${describeRef(dvRef)} is in phase ${phase}, not Succeeded, so CDI populates the claim again`;
        return { drop: reason };
      }
      return changes(ops);
    };
  },
});

// Rule 3: tell CDI that restored volumes already hold their data, and drop claims CDI must populate again.

import { getString, type KubeObject } from '../../model/kube-object.ts';
import { Annotations, Kinds, isKind } from '../../model/kinds.ts';
import { describeRef, type ObjectRef } from '../../model/object-ref.ts';
import { setOp } from '../ops.ts';
import { ownersOfKind } from '../owners.ts';
import { pointer } from '../pointer.ts';
import { changes, defineRule } from '../rule.ts';

const SUCCEEDED = 'Succeeded';

function annotate(object: KubeObject, key: string, value: string) {
  const annotations = object.metadata.annotations ?? {};
  const current = Object.hasOwn(annotations, key) ? annotations[key] : undefined;
  return setOp(pointer('metadata', 'annotations', key), current, value);
}

export default defineRule({
  name: 'annotate-cdi-populated',
  description:
    'Annotate Succeeded DataVolumes with storage.prePopulated and the claims DataVolumes own with storage.populatedFor, and drop claims whose DataVolume did not succeed.',
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
        // DataVolume garbage collection leaves the claim alone: keep its data, let a recreated DataVolume adopt it.
        return changes(ops, [`its DataVolume ${describeRef(dvRef)} is not in the input; kept the claim and marked it populated`]);
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

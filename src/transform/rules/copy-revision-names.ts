// Pin restored VMs to the instancetype and preference revisions they ran with.

import { get, getString, isRecord } from '../../model/kube-object.ts';
import { Kinds } from '../../model/kinds.ts';
import { setOp } from '../ops.ts';
import { pointer } from '../pointer.ts';
import { changes, defineRule } from '../rule.ts';

/** spec field → status field that names its ControllerRevision. */
const REFS = [
  ['instancetype', 'instancetypeRef'],
  ['preference', 'preferenceRef'],
] as const;

export default defineRule({
  name: 'copy-revision-names',
  description:
    "Copy the instancetype and preference ControllerRevision names from a VirtualMachine's status into its spec when the spec lacks them.",
  kinds: [Kinds.VirtualMachine],
  create() {
    return (vm) =>
      changes(
        REFS.flatMap(([specField, statusField]) => {
          const matcher = get(vm, 'spec', specField);
          const revision = getString(vm, 'status', statusField, 'controllerRevisionRef', 'name');
          if (!isRecord(matcher) || !revision) return [];
          const current = matcher['revisionName'];
          // A revision the spec names already wins: the VM controller binds to it, so copying would change the VM.
          if (typeof current === 'string' && current !== '') return [];
          return setOp(pointer('spec', specField, 'revisionName'), current, revision);
        }),
      );
  },
});

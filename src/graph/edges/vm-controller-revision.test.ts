// Tests for the vm-controller-revision edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeObject, makeVm, type Fields } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './vm-controller-revision.ts';

const revision = (name: string, reason: string) => ({
  to: { ...Kinds.ControllerRevision, namespace: 'ns1', name },
  reason,
  optional: false,
});
const withStatus = (vmSpec: Fields, status: Fields) => makeObject(Kinds.VirtualMachine, 'vm', { spec: vmSpec, status });

edgeTester.run(family, {
  valid: [
    { name: 'VM without matchers', object: makeVm('vm') },
    { name: 'matcher without a revision yet', object: makeVm('vm', {}, { instancetype: { kind: 'VirtualMachineInstancetype', name: 'small' } }) },
    {
      name: 'status revision of a matcher that was expanded away',
      object: withStatus({}, { instancetypeRef: { name: 'small', controllerRevisionRef: { name: 'vm-small-1' } } }),
    },
    {
      name: 'status ref without controllerRevisionRef',
      object: withStatus({ instancetype: { name: 'small' } }, { instancetypeRef: { name: 'small' } }),
    },
  ],
  invalid: [
    {
      name: 'spec revision names (the guide)',
      object: makeVm('vm1', {}, {
        instancetype: { kind: 'VirtualMachineInstancetype', name: 'small', revisionName: 'vm1-small-XXXXX-1' },
        preference: { kind: 'VirtualMachinePreference', name: 'windows', revisionName: 'vm1-windows-XXXXX-1' },
      }),
      edges: [
        revision('vm1-small-XXXXX-1', 'spec.instancetype.revisionName'),
        revision('vm1-windows-XXXXX-1', 'spec.preference.revisionName'),
      ],
    },
    {
      name: 'status controllerRevisionRef names',
      object: withStatus(
        { instancetype: { name: 'u1.small' }, preference: { name: 'fedora' } },
        {
          instancetypeRef: { name: 'u1.small', controllerRevisionRef: { name: 'vm-u1.small-1' } },
          preferenceRef: { name: 'fedora', controllerRevisionRef: { name: 'vm-fedora-1' } },
        },
      ),
      edges: [
        revision('vm-u1.small-1', 'status.instancetypeRef.controllerRevisionRef.name'),
        revision('vm-fedora-1', 'status.preferenceRef.controllerRevisionRef.name'),
      ],
    },
    {
      name: 'spec and status naming the same revision give one edge each',
      object: withStatus(
        { instancetype: { name: 'small', revisionName: 'vm-small-1' } },
        { instancetypeRef: { name: 'small', controllerRevisionRef: { name: 'vm-small-1' } } },
      ),
      edges: [
        revision('vm-small-1', 'spec.instancetype.revisionName'),
        revision('vm-small-1', 'status.instancetypeRef.controllerRevisionRef.name'),
      ],
    },
    {
      name: 'the revision is needed whether or not the input has it',
      object: makeVm('vm', {}, { preference: { name: 'fedora', revisionName: 'vm-fedora-1' } }),
      others: [makeObject(Kinds.ControllerRevision, 'vm-fedora-1')],
      edges: [revision('vm-fedora-1', 'spec.preference.revisionName')],
    },
  ],
});

// Tests for copy-revision-names.

import { ruleTester } from '../rule-tester.ts';
import { vm } from '../test-fixtures.ts';
import rule from './copy-revision-names.ts';

const status = {
  status: {
    instancetypeRef: { kind: 'VirtualMachineInstancetype', name: 'small', controllerRevisionRef: { name: 'vm1-small-abc-1' } },
    preferenceRef: { kind: 'VirtualMachinePreference', name: 'fedora', controllerRevisionRef: { name: 'vm1-fedora-def-1' } },
  },
};
const instancetype = { kind: 'VirtualMachineInstancetype', name: 'small' };
const preference = { kind: 'VirtualMachinePreference', name: 'fedora' };

ruleTester.run(rule, {
  valid: [
    { name: 'VM without instancetype or preference', object: vm('vm1', { runStrategy: 'Always' }) },
    { name: 'status without revision refs', object: vm('vm1', { instancetype }, {}, { status: { printableStatus: 'Stopped' } }) },
    {
      name: 'spec already names the revisions',
      object: vm('vm1', { instancetype: { ...instancetype, revisionName: 'vm1-small-abc-1' }, preference: { ...preference, revisionName: 'other' } }, {}, status),
    },
    { name: 'status names revisions the spec does not use', object: vm('vm1', {}, {}, status) },
  ],
  invalid: [
    {
      name: 'both revision names are copied',
      object: vm('vm1', { instancetype, preference }, {}, status),
      ops: [
        { op: 'add', path: '/spec/instancetype/revisionName', new: 'vm1-small-abc-1' },
        { op: 'add', path: '/spec/preference/revisionName', new: 'vm1-fedora-def-1' },
      ],
      output: vm(
        'vm1',
        { instancetype: { ...instancetype, revisionName: 'vm1-small-abc-1' }, preference: { ...preference, revisionName: 'vm1-fedora-def-1' } },
        {},
        status,
      ),
    },
    {
      name: 'an empty revision name is filled',
      object: vm('vm1', { preference: { ...preference, revisionName: '' } }, {}, status),
      ops: [{ op: 'replace', path: '/spec/preference/revisionName', old: '', new: 'vm1-fedora-def-1' }],
      output: vm('vm1', { preference: { ...preference, revisionName: 'vm1-fedora-def-1' } }, {}, status),
    },
  ],
});

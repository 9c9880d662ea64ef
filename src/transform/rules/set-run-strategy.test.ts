// Tests for set-run-strategy.

import { ruleTester } from '../rule-tester.ts';
import { pool, vm } from '../test-fixtures.ts';
import rule from './set-run-strategy.ts';

const halted = { runStrategy: 'Halted' } as const;

ruleTester.run(rule, {
  valid: [
    { name: 'no run strategy asked for', object: vm('vm1', { running: true }) },
    { name: 'already the asked strategy', object: vm('vm1', { runStrategy: 'Halted' }), options: halted },
    { name: 'VM without spec', object: { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name: 'v', namespace: 'ns1' } }, options: halted },
  ],
  invalid: [
    {
      name: 'runStrategy replaced',
      object: vm('vm1', { runStrategy: 'Always', template: {} }),
      options: halted,
      ops: [{ op: 'replace', path: '/spec/runStrategy', old: 'Always', new: 'Halted' }],
      output: vm('vm1', { runStrategy: 'Halted', template: {} }),
    },
    {
      name: 'running dropped, runStrategy added',
      object: vm('vm1', { running: true, template: {} }),
      options: { runStrategy: 'Manual' },
      ops: [
        { op: 'add', path: '/spec/runStrategy', new: 'Manual' },
        { op: 'remove', path: '/spec/running', old: true },
      ],
      output: vm('vm1', { template: {}, runStrategy: 'Manual' }),
    },
    {
      name: 'running: false is dropped too',
      object: vm('vm1', { runStrategy: 'Halted', running: false }),
      options: halted,
      ops: [{ op: 'remove', path: '/spec/running', old: false }],
      output: vm('vm1', { runStrategy: 'Halted' }),
    },
    {
      name: 'pool VM template',
      object: pool('p', { replicas: 2, virtualMachineTemplate: { spec: { runStrategy: 'Always' } } }),
      options: { runStrategy: 'RerunOnFailure' },
      ops: [{ op: 'replace', path: '/spec/virtualMachineTemplate/spec/runStrategy', old: 'Always', new: 'RerunOnFailure' }],
      output: pool('p', { replicas: 2, virtualMachineTemplate: { spec: { runStrategy: 'RerunOnFailure' } } }),
    },
  ],
});

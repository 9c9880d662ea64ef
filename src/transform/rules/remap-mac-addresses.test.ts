// Tests for remap-mac-addresses (the generated values are pinned for the tester's seed "rule-tester").

import { ruleTester } from '../rule-tester.ts';
import { domainSpec, pool, vm, vmi, vmirs } from '../test-fixtures.ts';
import type { JsonObject } from '../../model/kube-object.ts';
import rule from './remap-mac-addresses.ts';

const A = '52:54:00:12:34:56';
const A_NEW = '02:e7:76:64:9b:d5';
const B = '52:54:00:12:34:ab';
const B_NEW = 'a6:d9:c7:3d:a9:a1';

const nic = (name: string, macAddress?: string): JsonObject =>
  macAddress === undefined ? { name, masquerade: {} } : { name, masquerade: {}, macAddress };
const vmWith = (...interfaces: JsonObject[]) => vm('vm1', { template: { spec: domainSpec(interfaces) } });
const path = (prefix: string, i: number) => `${prefix}/domain/devices/interfaces/${i}/macAddress`;

ruleTester.run(
  rule,
  {
    valid: [
      { name: 'keep mode leaves addresses alone', object: vmWith(nic('a', A)), options: { mac: 'keep' } },
      { name: 'interfaces without addresses', object: vmWith(nic('a'), nic('b')) },
      { name: 'VM without a template', object: vm('vm1', { runStrategy: 'Halted' }) },
      { name: 'clear mode skips empty addresses', object: vmWith(nic('a', '')), options: { mac: 'clear' } },
      {
        name: 'an address that is not a MAC is reported and kept',
        object: vmWith(nic('a', 'not-a-mac')),
        warnings: ['/spec/template/spec/domain/devices/interfaces/0/macAddress: "not-a-mac" is not a MAC address; left unchanged'],
      },
      {
        name: 'an explicit identity pair in canonical form',
        object: vmWith(nic('a', A)),
        options: { macMap: { [A]: A } },
      },
    ],
    invalid: [
      {
        name: 'VM interfaces get new addresses, one per distinct old address',
        object: vmWith(nic('a', A), nic('b', B), nic('c')),
        ops: [
          { op: 'replace', path: path('/spec/template/spec', 0), old: A, new: A_NEW },
          { op: 'replace', path: path('/spec/template/spec', 1), old: B, new: B_NEW },
        ],
        output: vmWith(nic('a', A_NEW), nic('b', B_NEW), nic('c')),
      },
      {
        name: 'spellings of one address map to one new address',
        object: vmWith(nic('a', '52-54-00-12-34-56'), nic('b', '5254.0012.3456'), nic('c', A.toUpperCase())),
        ops: [
          { op: 'replace', path: path('/spec/template/spec', 0), old: '52-54-00-12-34-56', new: A_NEW },
          { op: 'replace', path: path('/spec/template/spec', 1), old: '5254.0012.3456', new: A_NEW },
          { op: 'replace', path: path('/spec/template/spec', 2), old: A.toUpperCase(), new: A_NEW },
        ],
        output: vmWith(nic('a', A_NEW), nic('b', A_NEW), nic('c', A_NEW)),
      },
      {
        name: 'standalone VMI',
        object: vmi('v', domainSpec([nic('a', A)])),
        ops: [{ op: 'replace', path: path('/spec', 0), old: A, new: A_NEW }],
        output: vmi('v', domainSpec([nic('a', A_NEW)])),
      },
      {
        name: 'replica set template',
        object: vmirs('rs', { template: { spec: domainSpec([nic('a', A)]) } }),
        ops: [{ op: 'replace', path: path('/spec/template/spec', 0), old: A, new: A_NEW }],
        output: vmirs('rs', { template: { spec: domainSpec([nic('a', A_NEW)]) } }),
      },
      {
        name: 'pool VM template',
        object: pool('p', { virtualMachineTemplate: { spec: { template: { spec: domainSpec([nic('a', A)]) } } } }),
        ops: [{ op: 'replace', path: path('/spec/virtualMachineTemplate/spec/template/spec', 0), old: A, new: A_NEW }],
        output: pool('p', { virtualMachineTemplate: { spec: { template: { spec: domainSpec([nic('a', A_NEW)]) } } } }),
      },
      {
        name: 'the same address in another object maps the same way',
        object: vmi('v', domainSpec([nic('a', A)])),
        others: [vmWith(nic('x', A), nic('y', B))],
        ops: [{ op: 'replace', path: path('/spec', 0), old: A, new: A_NEW }],
        output: vmi('v', domainSpec([nic('a', A_NEW)])),
      },
      {
        name: 'explicit pairs win, matched in any spelling; remap fills the rest',
        object: vmWith(nic('a', A), nic('b', B)),
        options: { macMap: { '52-54-00-12-34-56': '0E:00:00:00:00:01' } },
        ops: [
          { op: 'replace', path: path('/spec/template/spec', 0), old: A, new: '0e:00:00:00:00:01' },
          { op: 'replace', path: path('/spec/template/spec', 1), old: B, new: B_NEW },
        ],
        output: vmWith(nic('a', '0e:00:00:00:00:01'), nic('b', B_NEW)),
      },
      {
        name: 'clear mode removes every address',
        object: vmWith(nic('a', A), nic('b'), nic('c', B)),
        options: { mac: 'clear' },
        ops: [
          { op: 'remove', path: path('/spec/template/spec', 0), old: A },
          { op: 'remove', path: path('/spec/template/spec', 2), old: B },
        ],
        output: vmWith(nic('a'), nic('b'), nic('c')),
      },
    ],
  },
  {
    // Remap maps whatever it sees; on its own output, with its own result as the explicit map, it must do nothing.
    idempotence: {
      rerunOptions: ({ options, ops }) => {
        if (options.mac !== 'remap') return {};
        const macMap: Record<string, string> = {};
        for (const op of ops) if (op.op === 'replace') macMap[op.new as string] = op.new as string;
        return { macMap };
      },
    },
  },
);

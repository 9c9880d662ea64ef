// Tests for remap-firmware-ids (the generated values are pinned for the tester's seed "rule-tester").

import { ruleTester } from '../rule-tester.ts';
import { domainSpec, pool, vm, vmi, vmirs } from '../test-fixtures.ts';
import type { JsonObject } from '../../model/kube-object.ts';
import rule from './remap-firmware-ids.ts';

const SERIAL = 'ABC-123-xyz';
const SERIAL_NEW = 'OFD-015-wrg';
const UUID = '11111111-2222-4333-8444-555555555555';
const UUID_NEW = 'f0edfc02-6975-4a55-8159-d30ec990af99';

const vmWith = (firmware: JsonObject) => vm('vm1', { template: { spec: domainSpec([], firmware) } });
const fw = '/spec/template/spec/domain/firmware';

ruleTester.run(
  rule,
  {
    valid: [
      { name: 'keep mode', object: vmWith({ serial: SERIAL, uuid: UUID }), options: { firmware: 'keep' } },
      { name: 'no firmware ids: remap invents none', object: vmWith({ bootloader: { efi: {} } }) },
      { name: 'no firmware at all', object: vm('vm1', { template: { spec: domainSpec() } }) },
      { name: 'clear mode without ids', object: vmWith({}), options: { firmware: 'clear' } },
      {
        name: 'a serial without letters or digits is reported and kept',
        object: vmWith({ serial: '--' }),
        warnings: [`${fw}/serial: "--" has no letter or digit to change; left unchanged`],
      },
      {
        name: 'a uuid that is not one is reported and kept',
        object: vmWith({ uuid: 'not-a-uuid' }),
        warnings: [`${fw}/uuid: "not-a-uuid" is not a UUID; left unchanged`],
      },
    ],
    invalid: [
      {
        name: 'VM serial keeps its shape, uuid becomes a v4 uuid',
        object: vmWith({ serial: SERIAL, uuid: UUID }),
        ops: [
          { op: 'replace', path: `${fw}/serial`, old: SERIAL, new: SERIAL_NEW },
          { op: 'replace', path: `${fw}/uuid`, old: UUID, new: UUID_NEW },
        ],
        output: vmWith({ serial: SERIAL_NEW, uuid: UUID_NEW }),
      },
      {
        name: 'uuids compare case-insensitively',
        object: vmi('v', domainSpec([], { uuid: UUID.toUpperCase() })),
        others: [vmWith({ uuid: UUID })],
        ops: [{ op: 'replace', path: '/spec/domain/firmware/uuid', old: UUID.toUpperCase(), new: UUID_NEW }],
        output: vmi('v', domainSpec([], { uuid: UUID_NEW })),
      },
      {
        name: 'replica set template serial',
        object: vmirs('rs', { template: { spec: domainSpec([], { serial: SERIAL }) } }),
        ops: [{ op: 'replace', path: `${fw}/serial`, old: SERIAL, new: SERIAL_NEW }],
        output: vmirs('rs', { template: { spec: domainSpec([], { serial: SERIAL_NEW }) } }),
      },
      {
        name: 'pool VM template uuid',
        object: pool('p', { virtualMachineTemplate: { spec: { template: { spec: domainSpec([], { uuid: UUID }) } } } }),
        ops: [{ op: 'replace', path: `/spec/virtualMachineTemplate${fw}/uuid`, old: UUID, new: UUID_NEW }],
        output: pool('p', { virtualMachineTemplate: { spec: { template: { spec: domainSpec([], { uuid: UUID_NEW }) } } } }),
      },
      {
        name: 'clear mode removes serial and uuid',
        object: vmWith({ serial: SERIAL, uuid: UUID, bootloader: { bios: {} } }),
        options: { firmware: 'clear' },
        ops: [
          { op: 'remove', path: `${fw}/serial`, old: SERIAL },
          { op: 'remove', path: `${fw}/uuid`, old: UUID },
        ],
        output: vmWith({ bootloader: { bios: {} } }),
      },
    ],
  },
  { idempotence: { skip: 'remap gives every serial and UUID it sees a new value; there is no explicit firmware map to pin them' } },
);

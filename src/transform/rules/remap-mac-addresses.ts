// Give restored interfaces MAC addresses that cannot collide with the source's (or clear or keep them).

import { removeOp, setOp } from '../ops.ts';
import { formatMac, normaliseMac } from '../remap/mac.ts';
import { interfaceMacMapping } from '../remap/mac-mapping.ts';
import { macMapOption, macOption, seedOption } from '../remap/shared-options.ts';
import { changes, defineRule, NO_CHANGES, type Op } from '../rule.ts';
import { macAddressesOf } from '../vm-specs.ts';
import { VMI_SPEC_KINDS } from '../../model/kinds.ts';

export default defineRule({
  name: 'remap-mac-addresses',
  description:
    'Remap (or clear) the MAC addresses of VirtualMachine, VirtualMachineInstance, replica set and pool interfaces, the same old address to the same new one everywhere.',
  kinds: VMI_SPEC_KINDS,
  options: { mac: macOption, macMap: macMapOption, seed: seedOption },
  create({ index, options }) {
    if (options.mac === 'keep') return NO_CHANGES;
    if (options.mac === 'clear') {
      return (object) =>
        changes(macAddressesOf(object).flatMap(({ path, value }) => (value === '' ? [] : removeOp(path, value))));
    }
    const mapping = interfaceMacMapping(index, options);
    return (object) => {
      const ops: Op[] = [];
      const warnings: string[] = [];
      for (const { path, value } of macAddressesOf(object)) {
        if (value === '') continue;
        const old = normaliseMac(value);
        if (old === undefined) {
          warnings.push(`${path}: ${JSON.stringify(value)} is not a MAC address; left unchanged`);
          continue;
        }
        ops.push(...setOp(path, value, formatMac(mapping.get(old)!)));
      }
      return changes(ops, warnings);
    };
  },
});

// Rule 4: give restored interfaces MAC addresses that cannot collide with the source's (or clear or keep them).

import { normalisedMacMap } from '../mac-map.ts';
import { removeOp, setOp } from '../ops.ts';
import { assignNewValues } from '../remap/assign.ts';
import { candidateMac, formatMac, normaliseMac } from '../remap/mac.ts';
import { changes, defineRule, NO_CHANGES, type Op } from '../rule.ts';
import { macAddressesOf } from '../vm-specs.ts';
import { VMI_SPEC_KINDS } from '../../model/kinds.ts';

export default defineRule({
  name: 'remap-mac-addresses',
  description:
    'Remap (or clear) the MAC addresses of VirtualMachine, VirtualMachineInstance, replica set and pool interfaces, the same old address to the same new one everywhere.',
  kinds: VMI_SPEC_KINDS,
  create({ index, options }) {
    if (options.mac === 'keep') return NO_CHANGES;
    if (options.mac === 'clear') {
      return (object) =>
        changes(macAddressesOf(object).flatMap(({ path, value }) => (value === '' ? [] : removeOp(path, value))));
    }
    // The mapping covers every MAC of the input at once, so it is the same wherever an address appears and
    // does not depend on input order (docs/remap-algorithm.md).
    const olds: string[] = [];
    for (const kind of VMI_SPEC_KINDS) {
      for (const object of index.ofKind(kind.group, kind.kind)) {
        for (const { value } of macAddressesOf(object)) {
          const old = normaliseMac(value);
          if (old !== undefined) olds.push(old);
        }
      }
    }
    const mapping = assignNewValues({
      olds,
      explicit: options.macMap ? normalisedMacMap(options.macMap) : undefined,
      candidate: (old, attempt) => candidateMac(options.seed, old, attempt),
      what: 'MAC address',
    });
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

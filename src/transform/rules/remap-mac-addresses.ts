// Rule 4: give restored interfaces MAC addresses that cannot collide with the source's (or clear or keep them).

import { normalisedMacMap } from '../mac-map.ts';
import { defineOption } from '../option.ts';
import { IDENTITY_MODES, seedOption, type IdentityMode } from '../remap/shared-options.ts';
import { MAC_MAP_SCHEMA_ID } from '../schemas.ts';
import { removeOp, setOp } from '../ops.ts';
import { assignNewValues } from '../remap/assign.ts';
import { candidateMac, formatMac, normaliseMac } from '../remap/mac.ts';
import { changes, defineRule, NO_CHANGES, type Op } from '../rule.ts';
import { macAddressesOf } from '../vm-specs.ts';
import { VMI_SPEC_KINDS } from '../../model/kinds.ts';

const macOption = defineOption<IdentityMode>({
  schema: { enum: [...IDENTITY_MODES] },
  default: 'remap',
  flag: {
    name: 'mac',
    argument: 'value',
    description: 'MAC addresses: give each a new locally administered one, clear them, or keep them',
    documentation:
      'MAC addresses (default `remap`: each distinct old MAC gets one new locally administered unicast MAC, unique and different from every old one, the same wherever the old one appears)',
  },
  rewrites: true,
});

const macMapOption = defineOption<Record<string, string>>({
  // Relative to the options schema's $id: both live in schemas/.
  schema: { $ref: MAC_MAP_SCHEMA_ID.slice(MAC_MAP_SCHEMA_ID.lastIndexOf('/') + 1) },
  flag: {
    name: 'mac-map',
    argument: 'file',
    description: 'YAML or JSON file of explicit old: new MAC pairs; remap fills the rest',
    documentation:
      'explicit old → new MAC pairs (a YAML or JSON object, `schemas/mac-map.v1alpha1.schema.json`); remap fills the rest',
  },
  rewrites: true,
  requires: { mac: 'remap' },
  check: (map, source) => void normalisedMacMap(map, source),
});

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

// Give restored machines firmware serials and UUIDs that cannot collide with the source's (or clear or keep them).

import type { ObjectIndex } from '../../model/object-index.ts';
import { removeOp, setOp } from '../ops.ts';
import { assignNewValues } from '../remap/assign.ts';
import { candidateSerial } from '../remap/serial.ts';
import { candidateUuid, normaliseUuid } from '../remap/uuid.ts';
import { changes, defineRule, NO_CHANGES, type Op } from '../rule.ts';
import { defineOption } from '../option.ts';
import { IDENTITY_MODES, seedOption, type IdentityMode } from '../remap/shared-options.ts';
import { firmwareIdOf } from '../vm-specs.ts';
import { VMI_SPEC_KINDS } from '../../model/kinds.ts';

const FIELDS = ['serial', 'uuid'] as const;

function allValues(index: ObjectIndex, field: 'serial' | 'uuid', normalise: (value: unknown) => string | undefined): string[] {
  const values: string[] = [];
  for (const kind of VMI_SPEC_KINDS) {
    for (const object of index.ofKind(kind.group, kind.kind)) {
      const value = normalise(firmwareIdOf(object, field)?.value);
      if (value !== undefined) values.push(value);
    }
  }
  return values;
}

const nonEmptyString = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

const firmwareOption = defineOption<IdentityMode>({
  schema: { enum: [...IDENTITY_MODES] },
  default: 'remap',
  flag: {
    name: 'firmware',
    argument: 'value',
    description: 'Firmware serial and UUID: remap, clear or keep',
    documentation:
      'firmware `serial` and `uuid` (default `remap`: a serial keeps its length and the character class of each position; a UUID becomes a valid RFC 4122 v4 UUID; nothing is invented where there was none)',
  },
  rewrites: true,
});

export default defineRule({
  name: 'remap-firmware-ids',
  description:
    "Remap (or clear) firmware serials and UUIDs, keeping each serial's shape and giving RFC 4122 version 4 UUIDs, the same old value to the same new one everywhere.",
  kinds: VMI_SPEC_KINDS,
  options: { firmware: firmwareOption, seed: seedOption },
  create({ index, options }) {
    if (options.firmware === 'keep') return NO_CHANGES;
    if (options.firmware === 'clear') {
      return (object) =>
        changes(
          FIELDS.flatMap((field) => {
            const found = firmwareIdOf(object, field);
            return found && found.value !== '' ? removeOp(found.path, found.value) : [];
          }),
        );
    }
    // Serials compare exactly (they are opaque strings); UUIDs case-insensitively. See docs/remap-algorithm.md.
    const serials = assignNewValues({
      olds: allValues(index, 'serial', nonEmptyString),
      candidate: (old, attempt) => candidateSerial(options.seed, old, attempt),
      what: 'firmware serial',
    });
    const uuids = assignNewValues({
      olds: allValues(index, 'uuid', normaliseUuid),
      candidate: (old, attempt) => candidateUuid(options.seed, old, attempt),
      what: 'firmware UUID',
    });
    return (object) => {
      const ops: Op[] = [];
      const warnings: string[] = [];
      const serial = firmwareIdOf(object, 'serial');
      if (serial && serial.value !== '') {
        const next = typeof serial.value === 'string' ? serials.get(serial.value) : undefined;
        if (next !== undefined) ops.push(...setOp(serial.path, serial.value, next));
        else {
          const why = typeof serial.value === 'string' ? 'has no letter or digit to change' : 'is not a string';
          warnings.push(`${serial.path}: ${JSON.stringify(serial.value)} ${why}; left unchanged`);
        }
      }
      const uuid = firmwareIdOf(object, 'uuid');
      if (uuid && uuid.value !== '') {
        const old = normaliseUuid(uuid.value);
        if (old === undefined) warnings.push(`${uuid.path}: ${JSON.stringify(uuid.value)} is not a UUID; left unchanged`);
        else ops.push(...setOp(uuid.path, uuid.value, uuids.get(old)!));
      }
      return changes(ops, warnings);
    };
  },
});

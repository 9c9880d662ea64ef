// The options several rules read: the seed every generated value derives from, the identity modes, the MAC options.

import macMapSchema from '../../../schemas/mac-map.v1alpha1.schema.json' with { type: 'json' };
import { normalisedMacMap } from './mac-pairs.ts';
import { defineOption } from '../option.ts';

/** How MACs or firmware ids are treated: new values, removed, or left as they are. */
export type IdentityMode = 'remap' | 'clear' | 'keep';
export const IDENTITY_MODES: readonly IdentityMode[] = Object.freeze(['remap', 'clear', 'keep']);

/** The seed of remap-mac-addresses and remap-firmware-ids (docs/remap-algorithm.md). */
export const seedOption = defineOption<string>({
  schema: { type: 'string', minLength: 1 },
  required: true,
  flag: {
    name: 'seed',
    argument: 'value',
    description: 'Seed for remapping, so the same input gives the same output',
    documentation:
      'makes remapping reproducible; without it a random seed is used and printed on stderr. The algorithm is fixed: [docs/remap-algorithm.md](docs/remap-algorithm.md)',
  },
  rewrites: true,
});


/** remap-mac-addresses and remap-cloud-init-macs. */
export const macOption = defineOption<IdentityMode>({
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

export const macMapOption = defineOption<Record<string, string>>({
  // Relative to the options schema's $id: both live in schemas/.
  schema: { $ref: macMapSchema.$id.slice(macMapSchema.$id.lastIndexOf('/') + 1) },
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

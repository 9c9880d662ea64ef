// The options both remap rules read: the seed every generated value derives from, and the identity modes.

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


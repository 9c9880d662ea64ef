// Seeded, stable bytes for the remap generators: HMAC-SHA256 keyed by the seed (see docs/remap-algorithm.md).

import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';

// node:crypto is loaded on first use: the command line loads the rules (their option declarations give its flags)
// at every start, and loading node:crypto there would cost every command, even `version`, tens of milliseconds.
const load = createRequire(import.meta.url);
let crypto: typeof Crypto | undefined;

/** What a derivation is for; part of the HMAC message, so the kinds of value never share bytes. */
export type RemapPurpose = 'mac' | 'serial' | 'uuid';

/**
 * `length` bytes derived from (seed, purpose, value, attempt): the concatenation of
 * HMAC-SHA256(key = UTF-8 seed, message = UTF-8 `kvbackup/v1\n<purpose>\n<value>\n<attempt>\n<block>`) for
 * block = 0, 1, … . Changing anything here changes every remapped value: the format is frozen (v1).
 */
export function deriveBytes(seed: string, purpose: RemapPurpose, value: string, attempt: number, length: number): Buffer {
  const blocks: Buffer[] = [];
  let total = 0;
  for (let block = 0; total < length; block++) {
    crypto ??= load('node:crypto') as typeof Crypto;
    const digest = crypto.createHmac('sha256', seed).update(`kvbackup/v1\n${purpose}\n${value}\n${attempt}\n${block}`, 'utf8').digest();
    blocks.push(digest);
    total += digest.length;
  }
  return Buffer.concat(blocks, total).subarray(0, length);
}

/** Attempts before a generator gives up finding an unused value (only tiny value spaces get near it). */
export const MAX_ATTEMPTS = 10_000;

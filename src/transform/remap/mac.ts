// MAC addresses: parse in any common spelling, format canonically, derive locally administered unicast ones.

import { deriveBytes } from './derive.ts';

const COLON_OR_DASH = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const DOTTED = /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i;

/**
 * The normalised form of a 48-bit MAC (12 lowercase hex digits), so that `52:54:00:AB:CD:EF`,
 * `52-54-00-ab-cd-ef` and `5254.00ab.cdef` compare equal; undefined when `value` is not one.
 */
export function normaliseMac(value: unknown): string | undefined {
  if (typeof value !== 'string' || !(COLON_OR_DASH.test(value) || DOTTED.test(value))) return undefined;
  return value.replace(/[:.-]/g, '').toLowerCase();
}

/** `aabbccddeeff` → `aa:bb:cc:dd:ee:ff` (the form KubeVirt and KubeMacPool write). */
export function formatMac(normalised: string): string {
  return normalised.match(/../g)!.join(':');
}

/** True when the first octet's lowest bit (the group bit) is clear. */
export function isUnicastMac(normalised: string): boolean {
  return (parseInt(normalised.slice(0, 2), 16) & 0x01) === 0;
}

/** True when the first octet's second-lowest bit (the local bit) is set. */
export function isLocallyAdministeredMac(normalised: string): boolean {
  return (parseInt(normalised.slice(0, 2), 16) & 0x02) !== 0;
}

/**
 * Candidate `attempt` for the new MAC of `old` (normalised): the first 6 derived bytes, with the first octet's
 * group bit cleared (unicast) and local bit set (locally administered). Returns the normalised form.
 */
export function candidateMac(seed: string, old: string, attempt: number): string {
  const bytes = deriveBytes(seed, 'mac', old, attempt, 6);
  bytes[0] = (bytes[0]! & 0xfc) | 0x02;
  return bytes.toString('hex');
}

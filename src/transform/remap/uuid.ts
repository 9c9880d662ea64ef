// Firmware UUIDs: parse, and derive RFC 4122 version 4 ones.

import { deriveBytes } from './derive.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The lower-case form of a UUID written 8-4-4-4-12, so case does not matter; undefined otherwise. */
export function normaliseUuid(value: unknown): string | undefined {
  return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : undefined;
}

/** True for a lower-case RFC 4122 version 4, variant 1 UUID. */
export function isUuidV4(value: string): boolean {
  return UUID_V4.test(value);
}

/** Candidate `attempt` for the new UUID of `old` (normalised): 16 derived bytes with version 4 and variant bits set. */
export function candidateUuid(seed: string, old: string, attempt: number): string {
  const bytes = deriveBytes(seed, 'uuid', old, attempt, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Firmware serials: a new serial keeps the old one's length and, at each position, its character class.

import { deriveBytes } from './derive.ts';

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

function alphabetOf(char: string): string | undefined {
  if (char >= '0' && char <= '9') return DIGITS;
  if (char >= 'A' && char <= 'Z') return UPPER;
  if (char >= 'a' && char <= 'z') return LOWER;
  return undefined;
}

/** True when the serial has at least one ASCII letter or digit, so a serial of the same shape can differ from it. */
export function isRemappableSerial(serial: string): boolean {
  return [...serial].some((char) => alphabetOf(char) !== undefined);
}

/**
 * Candidate `attempt` for the new serial of `old`: position i (by code point) takes derived byte i modulo the
 * size of its class (digit, upper-case or lower-case ASCII letter); any other character is kept. Undefined when
 * the serial has no letter or digit to change. A candidate equal to `old` is rejected by the caller.
 */
export function candidateSerial(seed: string, old: string, attempt: number): string | undefined {
  if (!isRemappableSerial(old)) return undefined;
  const chars = [...old];
  const bytes = deriveBytes(seed, 'serial', old, attempt, chars.length);
  return chars
    .map((char, i) => {
      const alphabet = alphabetOf(char);
      return alphabet ? alphabet[bytes[i]! % alphabet.length]! : char;
    })
    .join('');
}

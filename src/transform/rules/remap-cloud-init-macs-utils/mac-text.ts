// MAC addresses inside free text (cloud-init network and user data): found, and replaced in the spelling they had.

import { normaliseMac } from '../../remap/mac.ts';

/** A MAC in any spelling normaliseMac accepts, not part of a longer run of hex digits and separators. */
const MAC_IN_TEXT = /(?<![0-9A-Fa-f]|[0-9A-Fa-f][:.-])(?:[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![0-9A-Fa-f]|[:.-][0-9A-Fa-f])/g;

/** What a pass over a text found: the new text, and the MACs met (normalised), those replaced as old → new. */
export interface MacRewrite {
  text: string;
  found: string[];
  replaced: [old: string, replacement: string][];
}

/** `normalised` written like `spelling`: same separators, upper case if the old one had upper-case letters. */
export function spellLike(spelling: string, normalised: string): string {
  const pairs = normalised.match(/../g)!;
  const dotted = spelling.includes('.');
  const text = dotted ? normalised.match(/.{4}/g)!.join('.') : pairs.join(spelling.includes('-') ? '-' : ':');
  return /[A-F]/.test(spelling) ? text.toUpperCase() : text;
}

/** Replaces every MAC of `text` that `lookup` maps (normalised → normalised), keeping each one's spelling. */
export function rewriteMacs(text: string, lookup: (normalised: string) => string | undefined): MacRewrite {
  const found: string[] = [];
  const replaced: [string, string][] = [];
  const rewritten = text.replace(MAC_IN_TEXT, (spelling) => {
    const old = normaliseMac(spelling)!;
    found.push(old);
    const next = lookup(old);
    if (next === undefined || next === old) return spelling;
    const replacement = spellLike(spelling, next);
    replaced.push([spelling, replacement]);
    return replacement;
  });
  return { text: rewritten, found, replaced };
}

/** Base64 to UTF-8 text, or undefined when it is not valid base64 of valid UTF-8 (compressed user data, say). */
export function decodeBase64Text(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'base64'));
  } catch {
    return undefined;
  }
}

/** UTF-8 text to base64. */
export function encodeBase64Text(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

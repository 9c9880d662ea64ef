// How the bundle serialises JSON: exactly the given value, keys in the given order, compact, one trailing newline.

const utf8 = new TextEncoder();

/** UTF-8 bytes of `JSON.stringify(value)` plus "\n". Keys are never reordered: callers pass canonical documents. */
export function encodeJson(value: unknown): Uint8Array {
  return utf8.encode(`${JSON.stringify(value)}\n`);
}

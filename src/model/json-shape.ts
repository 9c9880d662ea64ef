// Counts a JSON text's values and nesting depth in one pass without building it, so a hostile input is refused before parsing.

/** What a JSON text would cost once parsed. */
export interface JsonShape {
  /** Values (objects, arrays, strings including keys, numbers, literals). */
  nodes: number;
  depth: number;
}

/** Deeper than this is refused everywhere: no Kubernetes object nests so far, and recursive code stays far from the stack limit. */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * The shape of the JSON in `bytes` (UTF-8: every structural character is ASCII, so multi-byte characters can only
 * occur inside strings), stopping as soon as `maxNodes` or `maxDepth` is passed. Malformed JSON is counted as far
 * as it goes; JSON.parse reports it afterwards.
 * @returns the shape, or why it is over a bound.
 */
export function scanJson(bytes: Uint8Array, maxNodes: number, maxDepth = MAX_JSON_DEPTH): JsonShape | { over: string } {
  let nodes = 0;
  let depth = 0;
  let deepest = 0;
  // True where a value may start: at the beginning and after `[`, `,` or `:`.
  let expectValue = true;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const c = bytes[i] as number;
    if (c === QUOTE) {
      nodes++;
      for (i++; i < length; i++) {
        const s = bytes[i] as number;
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
      expectValue = false;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      nodes++;
      depth++;
      if (depth > deepest) deepest = depth;
      if (depth > maxDepth) return { over: `JSON nested deeper than ${maxDepth} levels` };
      expectValue = true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      expectValue = false;
    } else if (c === COMMA || c === COLON) {
      expectValue = true;
    } else if (expectValue && c > 0x20) {
      // The first character of a number or literal.
      nodes++;
      expectValue = false;
    } else continue;
    if (nodes > maxNodes) return { over: `more than ${maxNodes} JSON values` };
  }
  return { nodes, depth: deepest };
}

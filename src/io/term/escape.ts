// Escapes control characters before text reaches a terminal: names and fields from bundles are untrusted.

/**
 * C0 controls but tab and newline, DEL, C1 controls (U+009B is a CSI to many terminals) and the Unicode line and
 * paragraph separators.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` with every control character but tab and newline written as a visible `\u001b`-style escape. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when `text` holds a character escapeControls would rewrite. */
export function hasControls(text: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(text);
  CONTROL.lastIndex = 0;
  return found;
}

/**
 * The stream with its string writes escaped; Buffer writes (bundles) pass unchanged. Every text a command prints
 * goes through here, so no formatter can forget it.
 */
export function escapingTextWrites<T extends NodeJS.WritableStream>(stream: T): T {
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') {
        return (chunk: unknown, ...rest: unknown[]) => (target.write as (...args: unknown[]) => boolean)(typeof chunk === 'string' ? escapeControls(chunk) : chunk, ...rest);
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

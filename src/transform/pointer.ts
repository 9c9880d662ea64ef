// JSON Pointers (RFC 6901): the paths that transform operations and the report name.

/** Escapes one reference token: `~` → `~0`, `/` → `~1`. */
export function escapeToken(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Builds a pointer from segments: `pointer('metadata', 'annotations', 'a/b')` → `/metadata/annotations/a~1b`. */
export function pointer(...segments: readonly (string | number)[]): string {
  let path = '';
  for (const segment of segments) path += '/' + (typeof segment === 'number' ? String(segment) : escapeToken(segment));
  return path;
}

/** Splits a pointer into unescaped tokens; `''` (the whole document) gives `[]`. */
export function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new SyntaxError(`JSON pointer must start with "/": ${JSON.stringify(path)}`);
  const tokens = path.slice(1).split('/');
  if (!path.includes('~')) return tokens;
  return tokens.map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}


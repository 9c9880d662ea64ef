// Parses a WWW-Authenticate challenge (RFC 7235): `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.

export interface Challenge {
  /** Lower-case scheme: `basic`, `bearer`, or what the server sent. */
  scheme: string;
  /** Parameters by lower-case name, quoted strings unescaped. */
  params: Record<string, string>;
}

/** The first challenge of the header; an empty scheme when there is none. */
export function parseChallenge(header: string): Challenge {
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*/.exec(header);
  if (!match) return { scheme: '', params: {} };
  const scheme = (match[1] as string).toLowerCase();
  const params: Record<string, string> = {};
  const param = /\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(,|$)/y;
  param.lastIndex = match[0].length;
  for (let found = param.exec(header); found; found = param.exec(header)) {
    const name = (found[1] as string).toLowerCase();
    params[name] = found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : (found[3] ?? '');
    if (found[4] === '' || param.lastIndex >= header.length) break;
  }
  return { scheme, params };
}

// kubectl's JSONPath templates (`-o jsonpath=…`): text, `{.path}`, `{range …}…{end}` and `{"literal"}`, with each
// path evaluated by jsonpath-plus (the JSONPath engine @kubernetes/client-node ships).

import { JSONPath } from 'jsonpath-plus';

/** A template that does not parse: the message says where. */
export class JsonPathTemplateError extends Error {}

type Node =
  | { type: 'text'; text: string }
  | { type: 'path'; path: string }
  | { type: 'range'; path: string; body: Node[] };

/** Parses a template once; `render` applies it to a value, as `kubectl get -o jsonpath=…` does. */
export function compileJsonPathTemplate(template: string): (value: unknown) => string {
  const nodes = parseTemplate(template);
  return (value) => renderNodes(nodes, value, value);
}

function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{', at);
    const current = stack.at(-1) as Node[];
    if (open === -1) {
      current.push({ type: 'text', text: template.slice(at) });
      break;
    }
    if (open > at) current.push({ type: 'text', text: template.slice(at, open) });
    const close = closingBrace(template, open);
    if (close === -1) throw new JsonPathTemplateError(`unclosed action at column ${open + 1}`);
    const action = template.slice(open + 1, close).trim();
    at = close + 1;
    if (action === 'end') {
      if (stack.length === 1) throw new JsonPathTemplateError(`{end} without {range} at column ${open + 1}`);
      stack.pop();
    } else if (action.startsWith('range ')) {
      const node: Node = { type: 'range', path: action.slice('range '.length).trim(), body: [] };
      current.push(node);
      stack.push(node.body);
    } else if (/^(".*"|'.*')$/s.test(action)) {
      current.push({ type: 'text', text: unquote(action) });
    } else if (action === '') {
      throw new JsonPathTemplateError(`empty action at column ${open + 1}`);
    } else {
      current.push({ type: 'path', path: action });
    }
  }
  if (stack.length > 1) throw new JsonPathTemplateError('{range} without {end}');
  return root;
}

/** The `}` that closes the action opened at `open`, skipping quoted strings and nested brackets. */
function closingBrace(template: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < template.length; i++) {
    const char = template[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '}') return i;
  }
  return -1;
}

function unquote(literal: string): string {
  const body = literal.slice(1, -1);
  return body.replace(/\\(.)/g, (_match, char: string) => ({ n: '\n', t: '\t', r: '\r' })[char] ?? char);
}

function renderNodes(nodes: readonly Node[], root: unknown, current: unknown): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') out += node.text;
    else if (node.type === 'path') out += evaluate(node.path, root, current).map(format).join(' ');
    else for (const item of evaluate(node.path, root, current)) out += renderNodes(node.body, root, item);
  }
  return out;
}

/** Results of one kubectl path (`.a.b[*]`, `$.a`, `@.x`, `..name`); a missing key gives none, as kubectl get does. */
function evaluate(path: string, root: unknown, current: unknown): unknown[] {
  const { base, segments } = toSegments(path);
  const json = base === 'root' ? root : current;
  if (segments.length === 0) return [json];
  if (json === null || typeof json !== 'object') return [];
  return JSONPath({ path: '$' + segments.map(toBracket).join(''), json: json as object, wrap: true, eval: 'safe', ignoreEvalErrors: true }) as unknown[];
}

type Segment = { type: 'descend' } | { type: 'name'; name: string } | { type: 'raw'; text: string };

/**
 * Splits a kubectl path into segments. Dotted names may hold escaped dots (`kubevirt\.io/x`), so each name is
 * quoted for jsonpath-plus instead of being re-parsed; brackets (`[0]`, `[*]`, `[?(…)]`, `['a.b']`) are kept.
 */
function toSegments(path: string): { base: 'root' | 'current'; segments: Segment[] } {
  let rest = path.trim();
  let base: 'root' | 'current' = 'current';
  if (rest.startsWith('$')) {
    base = 'root';
    rest = rest.slice(1);
  } else if (rest.startsWith('@')) rest = rest.slice(1);
  const segments: Segment[] = [];
  let i = 0;
  while (i < rest.length) {
    if (rest.startsWith('..', i)) {
      segments.push({ type: 'descend' });
      i += 2;
      continue;
    }
    const char = rest[i];
    if (char === '.') {
      i++;
      continue;
    }
    if (char === '[') {
      const end = closingBracket(rest, i);
      if (end === -1) throw new JsonPathTemplateError(`unclosed [ in ${path}`);
      segments.push({ type: 'raw', text: rest.slice(i + 1, end).trim() });
      i = end + 1;
      continue;
    }
    let name = '';
    while (i < rest.length && rest[i] !== '.' && rest[i] !== '[') {
      if (rest[i] === '\\' && i + 1 < rest.length) i++;
      name += rest[i];
      i++;
    }
    segments.push(name === '*' ? { type: 'raw', text: '*' } : { type: 'name', name });
  }
  return { base, segments };
}

/** One segment in jsonpath-plus's bracket notation. */
function toBracket(segment: Segment): string {
  if (segment.type === 'descend') return '..';
  if (segment.type === 'raw') return `[${segment.text}]`;
  return `['${segment.name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

function closingBracket(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[') depth++;
    else if (char === ']' && --depth === 0) return i;
  }
  return -1;
}

/** Strings print raw; everything else as JSON (kubectl prints maps and lists as JSON). */
function format(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

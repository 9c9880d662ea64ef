// Parses manifest text the way Kubernetes reads it: YAML 1.1 (sigs.k8s.io/yaml) or JSON, many documents, Lists flattened.

import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Tags } from 'yaml';
import { InputError } from '../errors.ts';
import { isRecord, type KubeObject } from './kube-object.ts';
import { MAX_JSON_DEPTH, scanJson } from './json-shape.ts';
import { namingProblems } from './names.ts';
import type { SourcedObject } from './object-index.ts';

/** Alias expansions allowed per document; more is treated as an alias bomb. */
export const MAX_YAML_ALIASES = 100;

/**
 * Values one input of S characters may produce, aliases expanded: 100,000 + S/4. A legitimate manifest spends
 * 15–25 characters per value, so only alias expansion or hostile JSON reaches it; memory stays proportional to S.
 */
export function maxValuesFor(textLength: number): number {
  return 100_000 + Math.floor(textLength / 4);
}

// go-yaml v2, which sigs.k8s.io/yaml uses, leaves timestamps, sexagesimal numbers and !!binary as strings.
const STRING_IN_KUBERNETES = new Set(['tag:yaml.org,2002:timestamp', 'tag:yaml.org,2002:binary']);

function kubernetesTags(tags: Tags): Tags {
  return tags.filter((tag) => {
    if (typeof tag === 'string') return true;
    if (STRING_IN_KUBERNETES.has(tag.tag)) return false;
    return !('format' in tag && tag.format === 'TIME');
  });
}

/**
 * Parses one input text into objects, each with its source (`file: document N`).
 * @throws InputError naming the source for malformed text, alias bombs and objects without apiVersion, kind or name.
 */
export function parseManifests(text: string, source: string): SourcedObject[] {
  return parseDocuments(text, source).flatMap(({ value, where }) => flatten(value, where));
}

/**
 * Parses YAML 1.1 (as Kubernetes reads it) or JSON into plain values, one per non-empty document.
 * @throws InputError naming the source for malformed text and alias bombs.
 */
export function parseDocuments(text: string, source: string): { value: unknown; where: string }[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJson(text, source);
  let documents: ReturnType<typeof parseAllDocuments>;
  try {
    documents = parseAllDocuments(text, {
      version: '1.1',
      customTags: kubernetesTags,
      uniqueKeys: true,
      prettyErrors: false,
    });
  } catch (cause) {
    // The YAML parser recurses per nesting level: input nested deep enough to exhaust the stack is refused.
    if (cause instanceof RangeError) throw new InputError(`${source}: over a resource bound: YAML nested too deeply`);
    throw cause;
  }
  // parseAllDocuments returns an EmptyStream (not an array) for input without documents.
  if (!Array.isArray(documents)) return [];
  const values: { value: unknown; where: string }[] = [];
  // One budget for the whole text: what every document expands to, aliases included.
  const budget = { left: maxValuesFor(text.length) };
  documents.forEach((document, i) => {
    const where = documents.length > 1 ? `${source}: document ${i + 1}` : source;
    const error = document.errors[0];
    if (error) throw new InputError(`${where}: invalid YAML: ${firstLine(error.message)}`);
    const over = expansionProblem(document, budget);
    if (over) throw new InputError(`${where}: over a resource bound: ${over}`);
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (cause) {
      throw new InputError(`${where}: ${firstLine(cause instanceof Error ? cause.message : String(cause))}`);
    }
    if (value !== null && value !== undefined) values.push({ value, where });
  });
  return values;
}

/**
 * Why `document` would expand past the budget or nest deeper than MAX_JSON_DEPTH, measured on its syntax tree
 * (each alias costs what its anchor expands to, computed once), before anything is expanded; undefined when it fits.
 */
function expansionProblem(document: Document, budget: { left: number }): string | undefined {
  const sizes = new Map<unknown, number>();
  const sizeOf = (node: unknown, depth: number): number => {
    if (depth > MAX_JSON_DEPTH) throw new RangeError(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (isAlias(node)) return sizeOf(node.resolve(document), depth);
    if (node === null || node === undefined || isScalar(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let size = 1;
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items) size += isPair(item) ? sizeOf(item.key, depth + 1) + sizeOf(item.value, depth + 1) : sizeOf(item, depth + 1);
    }
    // A node inside its own anchor (a cycle) costs what was counted so far; toJS refuses the cycle itself.
    sizes.set(node, size);
    return size;
  };
  try {
    const size = sizeOf(document.contents, 0);
    budget.left -= size;
    if (budget.left < 0) return `aliases expand it to ${size} values, more than this input's budget (100,000 + a quarter of its characters)`;
  } catch (error) {
    if (error instanceof RangeError) return `YAML ${error.message.startsWith('nested') ? error.message : 'nested too deeply'}`;
    throw error;
  }
  return undefined;
}

function parseJson(text: string, source: string): { value: unknown; where: string }[] {
  const shape = scanJson(new TextEncoder().encode(text), maxValuesFor(text.length));
  if ('over' in shape) throw new InputError(`${source}: over a resource bound: ${shape.over}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new InputError(`${source}: invalid JSON: ${firstLine(cause instanceof Error ? cause.message : String(cause))}`);
  }
  const values: unknown[] = Array.isArray(value) ? value : [value];
  return values.map((item, i) => ({ value: item, where: values.length > 1 ? `${source}: item ${i + 1}` : source }));
}

/** A `kind: List` or any `*List` with `items` stands for its items. */
function flatten(value: unknown, where: string): SourcedObject[] {
  if (!isRecord(value)) throw new InputError(`${where}: expected a Kubernetes object, found ${describeValue(value)}`);
  const kind = value['kind'];
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value['items'])) {
    return value['items'].flatMap((item, i) => flatten(item, `${where}: items[${i}]`));
  }
  return [{ object: checkObject(value, where), source: where }];
}

function checkObject(value: Record<string, unknown>, where: string): KubeObject {
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') throw new InputError(`${where}: object has no apiVersion`);
  if (typeof kind !== 'string' || kind === '') throw new InputError(`${where}: object has no kind`);
  const name = isRecord(metadata) ? metadata['name'] : undefined;
  if (typeof name !== 'string' || name === '') throw new InputError(`${where}: ${kind} has no metadata.name`);
  const namespace = isRecord(metadata) ? metadata['namespace'] : undefined;
  if (namespace !== undefined && typeof namespace !== 'string') {
    throw new InputError(`${where}: ${kind} ${name} has a metadata.namespace that is not a string`);
  }
  const object = value as unknown as KubeObject;
  const problems = namingProblems(object);
  if (problems.length > 0) throw new InputError(`${where}: ${kind} ${JSON.stringify(name)}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  return object;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}

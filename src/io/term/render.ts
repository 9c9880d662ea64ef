// Text renderings of documents: JSON and YAML that YAML 1.1 and 1.2 readers read alike.

import { Document, parse, visit, Scalar, type Tags } from 'yaml';
import { hasControls } from './escape.ts';
import { compileJsonPathTemplate } from './jsonpath.ts';

// Characters JSON.stringify leaves raw although terminals act on them: C1 controls and the line separators.
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029]/g;

/** Pretty JSON with a trailing newline; key order is the document's own; no raw control character. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(RAW_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

const YAML_ESCAPES: Record<string, string> = { '\u2028': '\\L', '\u2029': '\\P', '\u0085': '\\N' };

/**
 * Plain scalars the yaml library's 1.1 schema does not quote although some reader takes them for another type:
 * YAML 1.2's octal `0o17`, and the 1.1 types `=` (value) and `<<` (merge key), which PyYAML resolves (its
 * resolver.py: `^(?:=)$`, `^(?:<<)$`) and then refuses or merges.
 */
const MISREAD_PLAIN = /^(?:[-+]?0o[0-7]+|=|<<)$/;

/** The 1.1 schema without its merge type, which would print the string `<<` as a bare merge key. */
const WITHOUT_MERGE_KEYS = (tags: Tags) => tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:merge');

/**
 * One YAML document. Strings that either YAML version would read as another type are double-quoted, so
 * `"yes"`, `"0644"`, `"1:20"` and `"0o17"` stay strings for sigs.k8s.io/yaml and for YAML 1.2 tools.
 */
export function toYamlDocument(value: unknown): string {
  // The 1.1 schema quotes what 1.1 would misread (yes, on, 0644, 1:20, dates); 1.2-only forms are added below.
  const document = new Document(value, { version: '1.1', customTags: WITHOUT_MERGE_KEYS });
  visit(document, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'string' && (MISREAD_PLAIN.test(node.value) || hasControls(node.value))) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  // Double-quoted scalars escape C0 controls; the C1 ones and the line separators are escaped here (`\x9b`, `\L`).
  return document.toString({ lineWidth: 0, minContentWidth: 0 }).replace(RAW_IN_JSON, (char) => YAML_ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16)}`);
}

/** A multi-document YAML stream, `---` between documents. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((value) => toYamlDocument(value)).join('---\n');
}

/** YAML 1.1's `value` type (`=`), which the yaml library does not know: resolved so that a test can see it. */
const VALUE_TYPE = { tag: 'tag:yaml.org,2002:value', default: true, test: /^=$/, resolve: () => ({ yaml11Value: true }) };

/**
 * Parses YAML the way the renderer's output is meant to be read back (used by tests and `-o yaml` checks); 1.1
 * reads like a reader that knows all the 1.1 types (PyYAML): merge keys and `=` included.
 */
export function parseYaml(text: string, version: '1.1' | '1.2'): unknown {
  return version === '1.1' ? parse(text, { version, merge: true, customTags: [VALUE_TYPE] }) : parse(text, { version });
}

/** `-o` for commands whose output is objects: a document format, kubectl's `name`, or a JSONPath template. */
export type ObjectOutput = 'yaml' | 'json' | 'name' | { jsonpath: string };

/** kubectl's `-o name`: `<kind>.<group>/<name>` in lower case (`pod/x` for the core group), one per line. */
export function objectName(object: { apiVersion: string; kind: string; metadata: { name: string } }): string {
  const slash = object.apiVersion.lastIndexOf('/');
  return refName({ group: slash === -1 ? '' : object.apiVersion.slice(0, slash), kind: object.kind, name: object.metadata.name });
}

/** `-o name` of a reference (a graph node). */
export function refName(ref: { group: string; kind: string; name: string }): string {
  return `${ref.kind.toLowerCase()}${ref.group ? `.${ref.group}` : ''}/${ref.name}`;
}

/**
 * Objects as `-o` asks: YAML documents, a JSON `kind: List` (one object alone for `single`), names, or a JSONPath
 * template applied as kubectl applies it (to the object when there is one, else to the List).
 */
export function renderObjects(objects: readonly KubeObjectLike[], output: ObjectOutput, options: { single?: boolean } = {}): string {
  const value = options.single && objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
  if (output === 'yaml') return options.single && objects.length === 1 ? toYamlDocument(value) : toYamlStream(objects);
  if (output === 'json') return toJson(value);
  if (output === 'name') return objects.map((object) => `${objectName(object)}\n`).join('');
  return renderJsonPath(value, output.jsonpath);
}

/** A JSONPath template applied to any document (a graph, an inspection), as `-o jsonpath=…` prints it. */
export function renderJsonPath(value: unknown, template: string): string {
  // Parsed again here; the flag already checked it, so a failure now is a bug.
  return compileJsonPathTemplate(template)(JSON.parse(JSON.stringify(value)));
}

type KubeObjectLike = { apiVersion: string; kind: string; metadata: { name: string } };

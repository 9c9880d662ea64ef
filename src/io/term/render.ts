// Text renderings of documents: JSON and YAML that YAML 1.1 and 1.2 readers read alike.

import { Document, parse, visit, Scalar } from 'yaml';
import { hasControls } from './escape.ts';

// Characters JSON.stringify leaves raw although terminals act on them: C1 controls and the line separators.
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029]/g;

/** Pretty JSON with a trailing newline; key order is the document's own; no raw control character. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(RAW_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

const YAML_ESCAPES: Record<string, string> = { '\u2028': '\\L', '\u2029': '\\P', '\u0085': '\\N' };

/** YAML 1.2 reads these plain scalars as non-strings although YAML 1.1 does not (octal `0o17`). */
const YAML_12_ONLY = /^[-+]?0o[0-7]+$/;

/**
 * One YAML document. Strings that either YAML version would read as another type are double-quoted, so
 * `"yes"`, `"0644"`, `"1:20"` and `"0o17"` stay strings for sigs.k8s.io/yaml and for YAML 1.2 tools.
 */
export function toYamlDocument(value: unknown): string {
  // The 1.1 schema quotes what 1.1 would misread (yes, on, 0644, 1:20, dates); 1.2-only forms are added below.
  const document = new Document(value, { version: '1.1' });
  visit(document, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'string' && (YAML_12_ONLY.test(node.value) || hasControls(node.value))) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  // Double-quoted scalars escape C0 controls; the C1 ones and the line separators are escaped here (`\x9b`, `\L`).
  return document.toString({ lineWidth: 0, minContentWidth: 0 }).replace(RAW_IN_JSON, (char) => YAML_ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16)}`);
}

/** A multi-document YAML stream, `---` between documents. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((value) => toYamlDocument(value)).join('---\n');
}

/** Parses YAML the way the renderer's output is meant to be read back (used by tests and `-o yaml` checks). */
export function parseYaml(text: string, version: '1.1' | '1.2'): unknown {
  return parse(text, { version });
}

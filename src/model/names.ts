// Kubernetes' naming rules (apimachinery's validation package), so a name read from untrusted input is checked before use.

import { kindInfo } from './kinds.ts';
import { groupOf, isRecord, type KubeObject } from './kube-object.ts';

/** How a kind's `metadata.name` is validated by the apiserver. */
export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'path-segment';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = QUALIFIED_NAME;
// C0, DEL and C1 controls, and the Unicode line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Why `value` is not a DNS-1123 label (RFC 1123: at most 63 lowercase alphanumerics and '-'); undefined when it is. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!DNS1123_LABEL.test(value)) return "must consist of lowercase alphanumeric characters or '-', and start and end with an alphanumeric character";
  return undefined;
}

/** Why `value` is not a DNS-1123 subdomain (at most 253 characters of dot-separated labels); undefined when it is. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return "must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character";
  }
  return undefined;
}

/** Why `value` cannot be a path segment (apimachinery's IsValidPathSegmentName, and no control characters). */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === '') return 'must not be empty';
  if (value === '.' || value === '..') return `may not be '${value}'`;
  if (value.includes('/') || value.includes('%')) return "may not contain '/' or '%'";
  if (CONTROL.test(value)) return 'may not contain control characters';
  return undefined;
}

/** Why `value` is not a qualified name (`[prefix/]name`, as label and annotation keys are); undefined when it is. */
export function qualifiedNameProblem(value: string): string | undefined {
  const parts = value.split('/');
  if (parts.length > 2) return "may contain at most one '/'";
  const [prefixOrName = '', maybeName] = parts;
  const name = maybeName ?? prefixOrName;
  if (maybeName !== undefined) {
    if (prefixOrName === '') return 'prefix part must not be empty';
    const prefix = dns1123SubdomainProblem(prefixOrName);
    if (prefix) return `prefix part ${prefix}`;
  }
  if (name === '') return 'name part must not be empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!QUALIFIED_NAME.test(name)) return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

/** Why `value` is not a label value (empty, or at most 63 characters of the qualified-name alphabet). */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!LABEL_VALUE.test(value)) return "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

/** Why `name` is not valid under `rule`. */
export function nameProblem(rule: NameRule, name: string): string | undefined {
  // Every rule refuses what could address something other than the object itself.
  const segment = pathSegmentProblem(name);
  if (segment) return segment;
  if (rule === 'dns1123-label') return dns1123LabelProblem(name);
  if (rule === 'dns1123-subdomain') return dns1123SubdomainProblem(name);
  return undefined;
}

/**
 * Every naming problem of `object`: its name under `rule`, its namespace (a DNS-1123 label), its label keys and
 * values, its annotation keys. Empty when all hold. Messages quote the offending value as JSON, so control
 * characters in it are never printed raw.
 */
export function objectNameProblems(object: KubeObject, rule: NameRule): string[] {
  const problems: string[] = [];
  const metadata = object.metadata;
  const quoted = (value: string) => JSON.stringify(value);
  if (typeof metadata.name === 'string') {
    const problem = nameProblem(rule, metadata.name);
    if (problem) problems.push(`metadata.name ${quoted(metadata.name)} ${problem}`);
  }
  if (typeof metadata.namespace === 'string' && metadata.namespace !== '') {
    const problem = pathSegmentProblem(metadata.namespace) ?? dns1123LabelProblem(metadata.namespace);
    if (problem) problems.push(`metadata.namespace ${quoted(metadata.namespace)} ${problem}`);
  }
  if (metadata.labels !== undefined) {
    if (!isRecord(metadata.labels)) problems.push('metadata.labels must be an object');
    else
      for (const [key, value] of Object.entries(metadata.labels)) {
        const keyProblem = qualifiedNameProblem(key);
        if (keyProblem) problems.push(`label key ${quoted(key)} ${keyProblem}`);
        if (typeof value !== 'string') problems.push(`label ${quoted(key)} must have a string value`);
        else {
          const valueProblem = labelValueProblem(value);
          if (valueProblem) problems.push(`label ${quoted(key)} value ${quoted(value)} ${valueProblem}`);
        }
      }
  }
  if (metadata.annotations !== undefined) {
    if (!isRecord(metadata.annotations)) problems.push('metadata.annotations must be an object');
    else
      for (const [key, value] of Object.entries(metadata.annotations)) {
        const keyProblem = qualifiedNameProblem(key);
        if (keyProblem) problems.push(`annotation key ${quoted(key)} ${keyProblem}`);
        if (typeof value !== 'string') problems.push(`annotation ${quoted(key)} must have a string value`);
      }
  }
  return problems;
}

/** The naming problems of `object` under its kind's rule (a path segment for kinds the registry does not know). */
export function namingProblems(object: KubeObject): string[] {
  const rule = kindInfo(groupOf(object.apiVersion), object.kind)?.nameRule ?? 'path-segment';
  return objectNameProblems(object, rule);
}

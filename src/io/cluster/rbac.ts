// The permissions `export` needs, as data derived from the kind registry: the one place the shipped ClusterRole is defined.

import { KNOWN_KINDS } from '../../model/kinds.ts';

/** One rule of the ClusterRole, with why the export needs it. */
export interface RbacRule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
  why: string;
}

/** The name the role is printed under. */
export const EXPORT_ROLE_NAME = 'kubectl-kvbackup-export';

/**
 * Minimal rules: discovery LISTs (never GETs: see list.ts), the snapshot/export objects the run creates and deletes,
 * the token Secrets it creates (all from the kind registry's `exportVerbs`), then what the registry has no kind for:
 * the freeze subresources and the version facts for the bundle header.
 */
export const EXPORT_RULES: readonly RbacRule[] = [
  ...kindRules(),
  {
    apiGroups: ['subresources.kubevirt.io'],
    resources: ['virtualmachineinstances/freeze', 'virtualmachineinstances/unfreeze'],
    verbs: ['update'],
    why: '--quiesce: freeze and thaw guest filesystems',
  },
  { apiGroups: ['subresources.kubevirt.io'], resources: ['version'], verbs: ['get'], why: 'read the KubeVirt version from virt-api when the KubeVirt CR is not readable' },
  { nonResourceURLs: ['/version'], verbs: ['get'], why: 'read the Kubernetes version' },
];

/** One rule per API group and verb set, in registry order, naming what discovery reads and why the rest is needed. */
function kindRules(): RbacRule[] {
  const rules = new Map<string, { rule: RbacRule; discovered: string[]; reasons: string[] }>();
  for (const kind of KNOWN_KINDS) {
    if (kind.exportVerbs.length === 0) continue;
    const key = `${kind.group}|${kind.exportVerbs.join(',')}`;
    let entry = rules.get(key);
    if (!entry) {
      entry = { rule: { apiGroups: [kind.group], resources: [], verbs: [...kind.exportVerbs], why: '' }, discovered: [], reasons: [] };
      rules.set(key, entry);
    }
    entry.rule.resources?.push(kind.plural);
    if (kind.exportWhy) entry.reasons.push(kind.exportWhy);
    else entry.discovered.push(`${kind.kind}s`);
  }
  return [...rules.values()].map(({ rule, discovered, reasons }) => ({
    ...rule,
    why: [...(discovered.length > 0 ? [`discover ${discovered.join(', ')}`] : []), ...reasons].join('; '),
  }));
}

/** The ClusterRole manifest (without the `why` notes, which the printer turns into comments). */
export function exportClusterRole(): { apiVersion: string; kind: string; metadata: { name: string }; rules: Omit<RbacRule, 'why'>[] } {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: EXPORT_ROLE_NAME },
    rules: EXPORT_RULES.map(({ why: _why, ...rule }) => rule),
  };
}

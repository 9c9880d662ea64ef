// `rbac`: the export's ClusterRole as YAML (each rule preceded by why it is needed) or JSON.

import { Document } from 'yaml';
import { EXPORT_RULES, exportClusterRole } from '../io/cluster/rbac.ts';
import { renderObjects, type ObjectOutput } from '../io/term/render.ts';
import type { StdStreams } from '../io/term/streams.ts';

export interface RbacOptions {
  output: ObjectOutput;
}

export function runRbac(options: RbacOptions, streams: StdStreams): void {
  streams.stdout.write(renderRbac(options.output));
}

/** The ClusterRole in the format asked for; the YAML carries each rule's reason as a comment. */
export function renderRbac(output: ObjectOutput): string {
  const role = exportClusterRole();
  if (output !== 'yaml') return renderObjects([role], output, { single: true });
  const document = new Document(role);
  document.commentBefore = ' The permissions `kubectl kvbackup export` needs. Bind it with a RoleBinding per namespace, or a ClusterRoleBinding for -A.';
  const rules = document.get('rules') as { items: { commentBefore?: string }[] };
  rules.items.forEach((item, i) => (item.commentBefore = ` ${EXPORT_RULES[i]?.why ?? ''}`));
  return document.toString({ lineWidth: 0 });
}

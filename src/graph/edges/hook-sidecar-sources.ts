// Edge family: the ConfigMaps and claims the hook sidecars of a VMI (annotation hooks.kubevirt.io/hookSidecars) run from.

import { get, getString, isRecord, type KubeObject } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS, isKind } from '../../model/kinds.ts';
import { defineEdgeFamily } from '../edge-family.ts';
import type { EdgeTarget } from '../edge-family.ts';
import { edgeTo, nonEmpty } from '../edge-target.ts';
import { vmiSpecOf } from '../templates.ts';

/** KubeVirt's annotation (pkg/hooks/hooks.go HookSidecarListAnnotationName): a JSON list of HookSidecar. */
export const HOOK_SIDECARS_ANNOTATION = 'hooks.kubevirt.io/hookSidecars';

/** The annotations of the VMI (template) and their dotted path: `metadata` beside the VMI spec. */
function vmiAnnotations(object: KubeObject): { annotations: unknown; path: string } | undefined {
  if (isKind(object, Kinds.VirtualMachineInstance)) return { annotations: object.metadata.annotations, path: 'metadata.annotations' };
  const site = vmiSpecOf(object);
  if (!site) return undefined;
  const template = site.path.slice(0, -'.spec'.length);
  return { annotations: get(object, ...template.split('.'), 'metadata', 'annotations'), path: `${template}.metadata.annotations` };
}

/** The sidecar list, or nothing when the annotation is absent or not a JSON list (KubeVirt then refuses the VMI). */
function sidecarsOf(value: unknown): unknown[] {
  if (typeof value !== 'string') return [];
  try {
    const list: unknown = JSON.parse(value);
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export default defineEdgeFamily({
  name: 'hook-sidecar-sources',
  description:
    'Link a VM, VMI, replica set or pool to the ConfigMap (configMap.name) and PVC (pvc.name) each entry of its hooks.kubevirt.io/hookSidecars annotation takes its hook from.',
  fromKinds: VMI_SPEC_KINDS,
  edges(object, { ref }) {
    const found = vmiAnnotations(object);
    if (!found || !isRecord(found.annotations)) return [];
    const reason = `${found.path}[${HOOK_SIDECARS_ANNOTATION}]`;
    return sidecarsOf(found.annotations[HOOK_SIDECARS_ANNOTATION]).flatMap((sidecar, i): EdgeTarget[] => {
      const edges: EdgeTarget[] = [];
      const configMap = nonEmpty(getString(sidecar, 'configMap', 'name'));
      if (configMap) edges.push(edgeTo(Kinds.ConfigMap, ref.namespace, configMap, `${reason}[${i}].configMap.name`));
      const claim = nonEmpty(getString(sidecar, 'pvc', 'name'));
      if (claim) edges.push(edgeTo(Kinds.PersistentVolumeClaim, ref.namespace, claim, `${reason}[${i}].pvc.name`));
      return edges;
    });
  },
});

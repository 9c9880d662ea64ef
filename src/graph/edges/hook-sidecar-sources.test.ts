// Tests for the hook-sidecar-sources edge family (the sidecar JSON as KubeVirt's pkg/hooks/hooks.go HookSidecar reads it).

import type { JsonObject } from '../../model/kube-object.ts';
import { Kinds, type GroupKind } from '../../model/kinds.ts';
import { makeObject, makePool, makeReplicaSet, makeVmi } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family, { HOOK_SIDECARS_ANNOTATION } from './hook-sidecar-sources.ts';

const edge = (kind: GroupKind, name: string, reason: string) => ({ to: { ...kind, namespace: 'ns1', name }, reason, optional: false });
const hooks = (...sidecars: JsonObject[]) => ({ [HOOK_SIDECARS_ANNOTATION]: JSON.stringify(sidecars) });
const script = { args: ['--version', 'v1alpha2'], configMap: { name: 'boot-script', key: 'my_script.sh', hookPath: '/usr/bin/onDefineDomain' } };
const vmWith = (annotations: Record<string, string>) =>
  makeObject(Kinds.VirtualMachine, 'vm', { spec: { template: { metadata: { annotations }, spec: {} } } });
const vmReason = `spec.template.metadata.annotations[${HOOK_SIDECARS_ANNOTATION}]`;

edgeTester.run(family, {
  valid: [
    { name: 'no annotation', object: makeVmi('vmi') },
    { name: 'a sidecar image without a ConfigMap', object: makeVmi('vmi', {}, { annotations: hooks({ image: 'registry/sidecar:v1', args: ['--version', 'v1alpha2'] }) }) },
    { name: 'malformed JSON (KubeVirt refuses the VMI)', object: makeVmi('vmi', {}, { annotations: { [HOOK_SIDECARS_ANNOTATION]: '[{' } }) },
    { name: 'not a list', object: makeVmi('vmi', {}, { annotations: { [HOOK_SIDECARS_ANNOTATION]: '{"configMap":{"name":"x"}}' } }) },
    { name: 'the annotation on the VM itself, not its template', object: makeObject(Kinds.VirtualMachine, 'vm', { spec: { template: { spec: {} } } }, { annotations: hooks(script) }) },
  ],
  invalid: [
    {
      name: 'VMI with a ConfigMap hook script',
      object: makeVmi('vmi', {}, { annotations: hooks(script) }),
      edges: [edge(Kinds.ConfigMap, 'boot-script', `metadata.annotations[${HOOK_SIDECARS_ANNOTATION}][0].configMap.name`)],
    },
    {
      name: 'VM template with a ConfigMap and a PVC sidecar',
      object: vmWith(hooks(script, { pvc: { name: 'hook-binaries', volumePath: '/hooks', sharedComputePath: '/shared' } })),
      edges: [edge(Kinds.ConfigMap, 'boot-script', `${vmReason}[0].configMap.name`), edge(Kinds.PersistentVolumeClaim, 'hook-binaries', `${vmReason}[1].pvc.name`)],
    },
    {
      name: 'replica set template',
      object: (() => {
        const rs = makeReplicaSet('rs');
        (rs['spec'] as { template: JsonObject }).template['metadata'] = { annotations: hooks(script) };
        return rs;
      })(),
      edges: [edge(Kinds.ConfigMap, 'boot-script', `spec.template.metadata.annotations[${HOOK_SIDECARS_ANNOTATION}][0].configMap.name`)],
    },
    {
      name: 'pool VM template',
      object: (() => {
        const pool = makePool('pool');
        const template = ((pool['spec'] as JsonObject)['virtualMachineTemplate'] as { spec: { template: JsonObject } }).spec.template;
        template['metadata'] = { annotations: hooks(script) };
        return pool;
      })(),
      edges: [
        edge(Kinds.ConfigMap, 'boot-script', `spec.virtualMachineTemplate.spec.template.metadata.annotations[${HOOK_SIDECARS_ANNOTATION}][0].configMap.name`),
      ],
    },
  ],
});

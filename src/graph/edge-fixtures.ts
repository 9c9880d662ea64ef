// Test support: short constructors for the objects edge-family tests feed in (namespace ns1 unless told).

import type { JsonValue, KubeObject, ObjectMeta } from '../model/kube-object.ts';
import { isClusterScoped, kindInfo, Kinds, type GroupKind } from '../model/kinds.ts';

/** Top-level fields or a spec, as JSON. */
export type Fields = { [key: string]: JsonValue };

/** An object of `kind` named `name` with top-level `fields` (spec, status, …) and extra `metadata`. */
export function makeObject(kind: GroupKind, name: string, fields: Fields = {}, metadata: Partial<ObjectMeta> = {}): KubeObject {
  const version = kindInfo(kind.group, kind.kind)?.version ?? 'v1';
  const meta: ObjectMeta = { name };
  if (!isClusterScoped(kind.group, kind.kind)) meta.namespace = 'ns1';
  Object.assign(meta, metadata);
  return { apiVersion: kind.group ? `${kind.group}/${version}` : version, kind: kind.kind, metadata: meta, ...fields };
}

/** A VirtualMachine whose template has `vmiSpec` and whose own spec adds `vmSpec`. */
export function makeVm(name: string, vmiSpec: Fields = {}, vmSpec: Fields = {}, metadata: Partial<ObjectMeta> = {}): KubeObject {
  return makeObject(Kinds.VirtualMachine, name, { spec: { ...vmSpec, template: { spec: vmiSpec } } }, metadata);
}

/** A VirtualMachineInstance with `vmiSpec`. */
export function makeVmi(name: string, vmiSpec: Fields = {}, metadata: Partial<ObjectMeta> = {}): KubeObject {
  return makeObject(Kinds.VirtualMachineInstance, name, { spec: vmiSpec }, metadata);
}

/** A VirtualMachineInstanceReplicaSet whose template has `vmiSpec`. */
export function makeReplicaSet(name: string, vmiSpec: Fields = {}, metadata: Partial<ObjectMeta> = {}): KubeObject {
  return makeObject(Kinds.VirtualMachineInstanceReplicaSet, name, { spec: { template: { spec: vmiSpec } } }, metadata);
}

/** A VirtualMachinePool whose VM template has `vmSpec` around a VMI template with `vmiSpec`; `poolSpec` adds to the pool's spec. */
export function makePool(
  name: string,
  vmiSpec: Fields = {},
  vmSpec: Fields = {},
  poolSpec: Fields = {},
  metadata: Partial<ObjectMeta> = {},
): KubeObject {
  const virtualMachineTemplate = { spec: { ...vmSpec, template: { spec: vmiSpec } } };
  return makeObject(Kinds.VirtualMachinePool, name, { spec: { ...poolSpec, virtualMachineTemplate } }, metadata);
}

/** An owner reference to `owner` (controller by default). */
export function ownerRefTo(owner: KubeObject, controller = true): NonNullable<ObjectMeta['ownerReferences']>[number] {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '', controller };
}

// Test support: small builders for the objects the rule tests use, so each case shows only what matters to it.

import type { JsonObject, KubeObject, ObjectMeta, OwnerReference } from '../model/kube-object.ts';

type Meta = Partial<ObjectMeta>;

function object(apiVersion: string, kind: string, name: string, meta: Meta, rest: JsonObject): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: 'ns1', ...meta }, ...rest };
}

export function vm(name: string, spec: JsonObject = {}, meta: Meta = {}, rest: JsonObject = {}): KubeObject {
  return object('kubevirt.io/v1', 'VirtualMachine', name, meta, { spec, ...rest });
}

export function vmi(name: string, spec: JsonObject = {}, meta: Meta = {}, rest: JsonObject = {}): KubeObject {
  return object('kubevirt.io/v1', 'VirtualMachineInstance', name, meta, { spec, ...rest });
}

export function vmirs(name: string, spec: JsonObject = {}, meta: Meta = {}): KubeObject {
  return object('kubevirt.io/v1', 'VirtualMachineInstanceReplicaSet', name, meta, { spec });
}

export function pool(name: string, spec: JsonObject = {}, meta: Meta = {}): KubeObject {
  return object('pool.kubevirt.io/v1alpha1', 'VirtualMachinePool', name, meta, { spec });
}

export function pod(name: string, meta: Meta = {}, spec: JsonObject = {}): KubeObject {
  return object('v1', 'Pod', name, meta, { spec });
}

export function pvc(name: string, spec: JsonObject = {}, meta: Meta = {}, rest: JsonObject = {}): KubeObject {
  return object('v1', 'PersistentVolumeClaim', name, meta, { spec, ...rest });
}

export function dv(name: string, spec: JsonObject = {}, meta: Meta = {}, rest: JsonObject = {}): KubeObject {
  return object('cdi.kubevirt.io/v1beta1', 'DataVolume', name, meta, { spec, ...rest });
}

export function configMap(name: string, meta: Meta = {}): KubeObject {
  return object('v1', 'ConfigMap', name, meta, { data: { key: 'value' } });
}

export function namespace(name: string, meta: Meta = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...meta } };
}

/** An owner reference as controllers write them. */
export function ownedBy(apiVersion: string, kind: string, name: string, uid = `uid-${name}`): OwnerReference[] {
  return [{ apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true }];
}

/** A VMI spec (or VM template spec) with the given interfaces and firmware. */
export function domainSpec(interfaces: JsonObject[] = [], firmware?: JsonObject): JsonObject {
  const domain: JsonObject = { devices: { interfaces } };
  if (firmware) domain['firmware'] = firmware;
  return { domain };
}

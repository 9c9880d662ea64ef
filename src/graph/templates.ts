// Where the VM and VMI specs sit in each kind that carries one, and which names a pool rewrites per VM.

import { get, isRecord, type KubeObject } from '../model/kube-object.ts';
import { Kinds, isKind } from '../model/kinds.ts';
import type { ObjectIndex } from '../model/object-index.ts';

import { nonEmpty, refTo } from './edge-target.ts';

/** A spec found inside an object, and the dotted path to it (the prefix of every reason). */
export interface SpecSite {
  spec: Record<string, unknown>;
  path: string;
}

function site(object: KubeObject, path: string[]): SpecSite | undefined {
  const spec = get(object, ...path);
  return isRecord(spec) ? { spec, path: path.join('.') } : undefined;
}

/** The VM spec of a VirtualMachine (`spec`) or a pool (`spec.virtualMachineTemplate.spec`). */
export function vmSpecOf(object: KubeObject): SpecSite | undefined {
  if (isKind(object, Kinds.VirtualMachine)) return site(object, ['spec']);
  if (isKind(object, Kinds.VirtualMachinePool)) return site(object, ['spec', 'virtualMachineTemplate', 'spec']);
  return undefined;
}

/** The VMI spec of a VMI (`spec`), a VM or replica set (`spec.template.spec`) or a pool. */
export function vmiSpecOf(object: KubeObject): SpecSite | undefined {
  if (isKind(object, Kinds.VirtualMachineInstance)) return site(object, ['spec']);
  if (isKind(object, Kinds.VirtualMachine) || isKind(object, Kinds.VirtualMachineInstanceReplicaSet)) {
    return site(object, ['spec', 'template', 'spec']);
  }
  if (isKind(object, Kinds.VirtualMachinePool)) {
    return site(object, ['spec', 'virtualMachineTemplate', 'spec', 'template', 'spec']);
  }
  return undefined;
}

/** One entry of `volumes`, with its path (`spec.template.spec.volumes[2]`). */
export interface VolumeSite {
  volume: Record<string, unknown>;
  path: string;
}

/** The volumes of the object's VMI spec, hotplugged ones included (they are listed like any other). */
export function volumesOf(object: KubeObject): VolumeSite[] {
  const vmi = vmiSpecOf(object);
  const volumes = vmi?.spec['volumes'];
  if (!vmi || !Array.isArray(volumes)) return [];
  return volumes.flatMap((volume: unknown, i) =>
    isRecord(volume) ? [{ volume, path: `${vmi.path}.volumes[${i}]` }] : [],
  );
}

/** The names of a VM spec's dataVolumeTemplates. */
export function dataVolumeTemplateNames(vm: SpecSite | undefined): Set<string> {
  const templates = vm?.spec['dataVolumeTemplates'];
  const names = new Set<string>();
  if (!Array.isArray(templates)) return names;
  for (const template of templates) {
    const name = nonEmpty(get(template, 'metadata', 'name'));
    if (name) names.add(name);
  }
  return names;
}

/**
 * The DataVolumes a VM recreates from its dataVolumeTemplates, for a VM itself or for a VMI a VM in the input
 * controls (the VMI lists the same volumes, and restore drops it for the VM to recreate). Empty otherwise.
 */
export function recreatedDataVolumes(object: KubeObject, index: ObjectIndex, namespace: string): Set<string> {
  if (isKind(object, Kinds.VirtualMachine)) return dataVolumeTemplateNames(vmSpecOf(object));
  if (!isKind(object, Kinds.VirtualMachineInstance)) return new Set();
  const controller = (object.metadata.ownerReferences ?? []).find((owner) => owner.controller === true);
  if (controller?.kind !== Kinds.VirtualMachine.kind) return new Set();
  const vm = index.get(refTo(Kinds.VirtualMachine, namespace, controller.name));
  return vm ? dataVolumeTemplateNames(vmSpecOf(vm)) : new Set();
}

/** The volume sources whose names a pool may rewrite for each of its VMs. */
export type PoolIndexedSource = 'claim' | 'configMap' | 'secret';

/**
 * Whether a pool gives each VM its own copy of the object this volume names, as the pool controller does
 * (`<name>-<index>`): claims and DataVolumes named after a dataVolumeTemplate, and ConfigMaps or Secrets under
 * `spec.nameGeneration.appendIndexTo…Refs`. The pool itself then needs no object of that name; its VMs carry the
 * real references. Always false for other kinds.
 */
export function isIndexedPerPoolVm(object: KubeObject, source: PoolIndexedSource, name: string): boolean {
  if (!isKind(object, Kinds.VirtualMachinePool)) return false;
  switch (source) {
    case 'claim':
      return dataVolumeTemplateNames(vmSpecOf(object)).has(name);
    case 'configMap':
      return get(object, 'spec', 'nameGeneration', 'appendIndexToConfigMapRefs') === true;
    case 'secret':
      return get(object, 'spec', 'nameGeneration', 'appendIndexToSecretRefs') === true;
  }
}

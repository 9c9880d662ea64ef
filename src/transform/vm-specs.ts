// Where the VMI and VM specs sit in each kind that carries one, as JSON Pointer segments, and what they hold.

import { get, isRecord, type KubeObject } from '../model/kube-object.ts';
import { isKind, Kinds, type GroupKind } from '../model/kinds.ts';
import { pointer } from './pointer.ts';

const VMI_SPEC_PATHS: readonly [GroupKind, readonly string[]][] = [
  [Kinds.VirtualMachineInstance, ['spec']],
  [Kinds.VirtualMachine, ['spec', 'template', 'spec']],
  [Kinds.VirtualMachineInstanceReplicaSet, ['spec', 'template', 'spec']],
  [Kinds.VirtualMachinePool, ['spec', 'virtualMachineTemplate', 'spec', 'template', 'spec']],
];

const VM_SPEC_PATHS: readonly [GroupKind, readonly string[]][] = [
  [Kinds.VirtualMachine, ['spec']],
  [Kinds.VirtualMachinePool, ['spec', 'virtualMachineTemplate', 'spec']],
];

/** A spec inside an object and the segments that lead to it. */
export interface SpecSite {
  spec: Record<string, unknown>;
  segments: readonly string[];
}

function siteOf(object: KubeObject, table: readonly [GroupKind, readonly string[]][]): SpecSite | undefined {
  for (const [kind, segments] of table) {
    if (!isKind(object, kind)) continue;
    const spec = get(object, ...segments);
    return isRecord(spec) ? { spec, segments } : undefined;
  }
  return undefined;
}

/** The VMI spec: `spec` of a VMI, `spec.template.spec` of a VM or replica set, the VM template's of a pool. */
export function vmiSpecOf(object: KubeObject): SpecSite | undefined {
  return siteOf(object, VMI_SPEC_PATHS);
}

/** The VM spec: `spec` of a VM, `spec.virtualMachineTemplate.spec` of a pool. */
export function vmSpecOf(object: KubeObject): SpecSite | undefined {
  return siteOf(object, VM_SPEC_PATHS);
}

/** A value found in an object and its JSON Pointer. */
export interface FoundValue {
  path: string;
  value: unknown;
}

/** Every `macAddress` member of the VMI spec's interfaces (present, whatever its value). */
export function macAddressesOf(object: KubeObject): FoundValue[] {
  const site = vmiSpecOf(object);
  const interfaces = get(site?.spec, 'domain', 'devices', 'interfaces');
  if (!site || !Array.isArray(interfaces)) return [];
  const found: FoundValue[] = [];
  interfaces.forEach((iface: unknown, i) => {
    if (isRecord(iface) && Object.hasOwn(iface, 'macAddress')) {
      const path = pointer(...site.segments, 'domain', 'devices', 'interfaces', i, 'macAddress');
      found.push({ path, value: iface['macAddress'] });
    }
  });
  return found;
}

/** The firmware `serial` or `uuid` member of the VMI spec, when present. */
export function firmwareIdOf(object: KubeObject, field: 'serial' | 'uuid'): FoundValue | undefined {
  const site = vmiSpecOf(object);
  const firmware = get(site?.spec, 'domain', 'firmware');
  if (!site || !isRecord(firmware) || !Object.hasOwn(firmware, field)) return undefined;
  return { path: pointer(...site.segments, 'domain', 'firmware', field), value: firmware[field] };
}

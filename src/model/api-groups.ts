// The API groups of KubeVirt and CDI with the versions and kinds they serve, to warn about input that names others.

import { groupOf, type KubeObject } from './kube-object.ts';

/**
 * Served versions and kinds per group, as the CustomResourceDefinitions of KubeVirt v1.9.0 and CDI v1.65.0 define
 * them (plus the CSI snapshot group). Only these groups are checked: others (core, apps, …) hold many kinds this tool
 * has no need to know.
 */
export const KUBEVIRT_API_GROUPS: Readonly<Record<string, { versions: readonly string[]; kinds: readonly string[] }>> = {
  'kubevirt.io': { versions: ['v1', 'v1alpha3'], kinds: ['KubeVirt', 'VirtualMachine', 'VirtualMachineInstance', 'VirtualMachineInstanceMigration', 'VirtualMachineInstanceReplicaSet'] },
  'instancetype.kubevirt.io': { versions: ['v1beta1', 'v1alpha2', 'v1alpha1'], kinds: ['VirtualMachineClusterInstancetype', 'VirtualMachineClusterPreference', 'VirtualMachineInstancetype', 'VirtualMachinePreference'] },
  'pool.kubevirt.io': { versions: ['v1beta1', 'v1alpha1'], kinds: ['VirtualMachinePool'] },
  'snapshot.kubevirt.io': { versions: ['v1beta1', 'v1alpha1'], kinds: ['VirtualMachineRestore', 'VirtualMachineSnapshot', 'VirtualMachineSnapshotContent'] },
  'export.kubevirt.io': { versions: ['v1', 'v1beta1', 'v1alpha1'], kinds: ['VirtualMachineExport'] },
  'clone.kubevirt.io': { versions: ['v1beta1', 'v1alpha1'], kinds: ['VirtualMachineClone'] },
  'migrations.kubevirt.io': { versions: ['v1alpha1'], kinds: ['MigrationPolicy'] },
  'backup.kubevirt.io': { versions: ['v1alpha1'], kinds: ['VirtualMachineBackup', 'VirtualMachineBackupTracker'] },
  'cdi.kubevirt.io': {
    versions: ['v1beta1', 'v1alpha1'],
    kinds: ['CDI', 'CDIConfig', 'DataImportCron', 'DataSource', 'DataVolume', 'ObjectTransfer', 'StorageProfile', 'VolumeCloneSource', 'VolumeImportSource', 'VolumeUploadSource'],
  },
  'snapshot.storage.k8s.io': { versions: ['v1', 'v1beta1'], kinds: ['VolumeSnapshot', 'VolumeSnapshotClass', 'VolumeSnapshotContent'] },
};

/** One line for an object whose kind or version its group does not serve; undefined when it is fine or unchecked. */
export function unknownTypeWarning(object: Pick<KubeObject, 'apiVersion' | 'kind'>): string | undefined {
  const group = groupOf(object.apiVersion);
  const served = KUBEVIRT_API_GROUPS[group];
  if (!served) return undefined;
  const version = object.apiVersion.slice(group.length + 1);
  if (!served.versions.includes(version)) return `unknown version ${object.apiVersion} of ${object.kind} (${group} serves ${served.versions.join(', ')})`;
  if (!served.kinds.includes(object.kind)) return `unknown kind ${object.kind} in ${group}`;
  return undefined;
}

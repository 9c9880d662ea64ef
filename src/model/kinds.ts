// The kinds kubectl-kvbackup knows: API group, version, plural and scope.

import { groupOf, type KubeObject } from './kube-object.ts';

export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  clusterScoped: boolean;
}

const kubevirt = 'kubevirt.io';
const instancetype = 'instancetype.kubevirt.io';
const cdi = 'cdi.kubevirt.io';

/** Every kind the graph, the transform rules, export and restore name. Sorted by group, then kind. */
export const KNOWN_KINDS: readonly KindInfo[] = [
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', clusterScoped: false },
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', clusterScoped: true },
  { group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', clusterScoped: true },
  { group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', clusterScoped: false },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', clusterScoped: false },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', clusterScoped: false },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', clusterScoped: false },
  { group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', clusterScoped: false },
  { group: cdi, version: 'v1beta1', kind: 'DataSource', plural: 'datasources', clusterScoped: false },
  { group: cdi, version: 'v1beta1', kind: 'DataVolume', plural: 'datavolumes', clusterScoped: false },
  { group: cdi, version: 'v1beta1', kind: 'VolumeImportSource', plural: 'volumeimportsources', clusterScoped: false },
  { group: cdi, version: 'v1beta1', kind: 'VolumeUploadSource', plural: 'volumeuploadsources', clusterScoped: false },
  { group: 'export.kubevirt.io', version: 'v1', kind: 'VirtualMachineExport', plural: 'virtualmachineexports', clusterScoped: false },
  { group: instancetype, version: 'v1beta1', kind: 'VirtualMachineClusterInstancetype', plural: 'virtualmachineclusterinstancetypes', clusterScoped: true },
  { group: instancetype, version: 'v1beta1', kind: 'VirtualMachineClusterPreference', plural: 'virtualmachineclusterpreferences', clusterScoped: true },
  { group: instancetype, version: 'v1beta1', kind: 'VirtualMachineInstancetype', plural: 'virtualmachineinstancetypes', clusterScoped: false },
  { group: instancetype, version: 'v1beta1', kind: 'VirtualMachinePreference', plural: 'virtualmachinepreferences', clusterScoped: false },
  { group: 'k8s.cni.cncf.io', version: 'v1', kind: 'NetworkAttachmentDefinition', plural: 'network-attachment-definitions', clusterScoped: false },
  { group: kubevirt, version: 'v1', kind: 'VirtualMachine', plural: 'virtualmachines', clusterScoped: false },
  { group: kubevirt, version: 'v1', kind: 'VirtualMachineInstance', plural: 'virtualmachineinstances', clusterScoped: false },
  { group: kubevirt, version: 'v1', kind: 'VirtualMachineInstanceReplicaSet', plural: 'virtualmachineinstancereplicasets', clusterScoped: false },
  { group: 'pool.kubevirt.io', version: 'v1alpha1', kind: 'VirtualMachinePool', plural: 'virtualmachinepools', clusterScoped: false },
  { group: 'snapshot.kubevirt.io', version: 'v1beta1', kind: 'VirtualMachineSnapshot', plural: 'virtualmachinesnapshots', clusterScoped: false },
  { group: 'snapshot.storage.k8s.io', version: 'v1', kind: 'VolumeSnapshot', plural: 'volumesnapshots', clusterScoped: false },
  { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', clusterScoped: true },
];

const byKey = new Map(KNOWN_KINDS.map((info) => [`${info.group}/${info.kind}`, info]));

/** Cluster-scoped kinds outside KNOWN_KINDS that may still appear in input. */
const OTHER_CLUSTER_SCOPED = new Set([
  '/Node',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'snapshot.storage.k8s.io/VolumeSnapshotClass',
  'snapshot.storage.k8s.io/VolumeSnapshotContent',
  'scheduling.k8s.io/PriorityClass',
]);

export function kindInfo(group: string, kind: string): KindInfo | undefined {
  return byKey.get(`${group}/${kind}`);
}

export function isClusterScoped(group: string, kind: string): boolean {
  return byKey.get(`${group}/${kind}`)?.clusterScoped ?? OTHER_CLUSTER_SCOPED.has(`${group}/${kind}`);
}

/** Group and Kind names used across the code, so a typo is a type error rather than a silent miss. */
export const Kinds = {
  ConfigMap: { group: '', kind: 'ConfigMap' },
  ControllerRevision: { group: 'apps', kind: 'ControllerRevision' },
  DataSource: { group: cdi, kind: 'DataSource' },
  DataVolume: { group: cdi, kind: 'DataVolume' },
  Namespace: { group: '', kind: 'Namespace' },
  NetworkAttachmentDefinition: { group: 'k8s.cni.cncf.io', kind: 'NetworkAttachmentDefinition' },
  PersistentVolumeClaim: { group: '', kind: 'PersistentVolumeClaim' },
  Pod: { group: '', kind: 'Pod' },
  Secret: { group: '', kind: 'Secret' },
  ServiceAccount: { group: '', kind: 'ServiceAccount' },
  VirtualMachine: { group: kubevirt, kind: 'VirtualMachine' },
  VirtualMachineClusterInstancetype: { group: instancetype, kind: 'VirtualMachineClusterInstancetype' },
  VirtualMachineClusterPreference: { group: instancetype, kind: 'VirtualMachineClusterPreference' },
  VirtualMachineExport: { group: 'export.kubevirt.io', kind: 'VirtualMachineExport' },
  VirtualMachineInstance: { group: kubevirt, kind: 'VirtualMachineInstance' },
  VirtualMachineInstanceReplicaSet: { group: kubevirt, kind: 'VirtualMachineInstanceReplicaSet' },
  VirtualMachineInstancetype: { group: instancetype, kind: 'VirtualMachineInstancetype' },
  VirtualMachinePool: { group: 'pool.kubevirt.io', kind: 'VirtualMachinePool' },
  VirtualMachinePreference: { group: instancetype, kind: 'VirtualMachinePreference' },
  VirtualMachineSnapshot: { group: 'snapshot.kubevirt.io', kind: 'VirtualMachineSnapshot' },
  VolumeImportSource: { group: cdi, kind: 'VolumeImportSource' },
  VolumeSnapshot: { group: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot' },
} as const;

export type KnownKind = (typeof Kinds)[keyof typeof Kinds];

/** An API group and Kind. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** Whether `object` is of `kind` (group from its apiVersion, any version). */
export function isKind(object: KubeObject, kind: GroupKind): boolean {
  return object.kind === kind.kind && groupOf(object.apiVersion) === kind.group;
}

/** Kinds that carry a VMI spec: volumes, interfaces, firmware, networks, access credentials. */
export const VMI_SPEC_KINDS: readonly GroupKind[] = [
  Kinds.VirtualMachine,
  Kinds.VirtualMachineInstance,
  Kinds.VirtualMachineInstanceReplicaSet,
  Kinds.VirtualMachinePool,
];

/** Kinds that carry a VM spec: instancetype, preference, runStrategy, dataVolumeTemplates. */
export const VM_SPEC_KINDS: readonly GroupKind[] = [Kinds.VirtualMachine, Kinds.VirtualMachinePool];

/** Labels and annotations KubeVirt and CDI read or write. */
export const Labels = {
  createdBy: 'kubevirt.io/created-by',
  vmReplicaSet: 'kubevirt.io/vmReplicaSet',
  kubevirtApp: 'kubevirt.io',
} as const;

export const Annotations = {
  prePopulated: 'cdi.kubevirt.io/storage.prePopulated',
  populatedFor: 'cdi.kubevirt.io/storage.populatedFor',
} as const;

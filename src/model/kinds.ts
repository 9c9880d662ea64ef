// The kinds kubectl-kvbackup knows: API group, version, plural and scope.

import { groupOf, type KubeObject } from './kube-object.ts';
import type { NameRule } from './names.ts';

/** The restore phases, in the order they run: namespaces first, what a kind needs before it, VMs and their instances last. */
export const RESTORE_PHASES = ['namespaces', 'configuration', 'instancetypes', 'volume-sources', 'volumes', 'virtual-machines', 'instances', 'other'] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/** What `restore --wait` waits for on a kind. */
export type WaitCondition = 'claim-bound' | 'datavolume-succeeded' | 'vm-run-strategy';

/** The RBAC verbs kubectl-kvbackup uses. */
export type Verb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';

/** What restore does with a kind. */
export interface RestoreFacts {
  phase: RestorePhase;
  /** Restore creates it without `--allow-kind`: the kinds a VM backup holds (README: "Security model"). */
  allowed: boolean;
  /**
   * `recreate` when an existing object cannot be updated to the desired spec (the apiserver or an admission webhook
   * refuses spec changes), so `--on-conflict replace` deletes and creates it again.
   */
  replaceBy: 'update' | 'recreate';
  waitFor?: WaitCondition;
}

/** Everything kubectl-kvbackup knows about one kind: the one place each fact lives. */
export interface KindInfo {
  group: string;
  /** The version kubectl-kvbackup reads and writes. */
  version: string;
  /** Every version the API serves for it (the first is `version`). */
  versions: readonly string[];
  kind: string;
  plural: string;
  clusterScoped: boolean;
  nameRule: NameRule;
  /** How export discovers it: one LIST per namespace, one cluster-wide LIST, or not at all. */
  discovery: 'namespace' | 'cluster' | 'none';
  /** Narrows discovery's LIST (launcher Pods only). */
  discoverySelector?: string;
  /** The verbs export needs on it, and why (they become the `rbac` ClusterRole). */
  exportVerbs: readonly Verb[];
  exportWhy?: string;
  restore: RestoreFacts;
  /** The controller that creates it again when it is missing: such an object is runtime state. */
  recreatedBy?: string;
}

const kubevirt = 'kubevirt.io';
const instancetype = 'instancetype.kubevirt.io';
const cdi = 'cdi.kubevirt.io';
const snapshotStorage = 'snapshot.storage.k8s.io';

type KindSpec = Omit<KindInfo, 'versions' | 'nameRule' | 'exportVerbs' | 'discovery' | 'restore'> &
  Partial<Pick<KindInfo, 'versions' | 'nameRule' | 'exportVerbs' | 'discovery'>> & { restore?: Partial<RestoreFacts> };

function define(spec: KindSpec): KindInfo {
  const discovery = spec.discovery ?? 'none';
  return {
    ...spec,
    versions: spec.versions ?? [spec.version],
    nameRule: spec.nameRule ?? 'dns1123-subdomain',
    discovery,
    exportVerbs: spec.exportVerbs ?? (discovery === 'none' ? [] : ['list']),
    restore: { phase: 'other', allowed: false, replaceBy: 'update', ...spec.restore },
  };
}

/**
 * Every kind the graph, the transform rules, export and restore name, and every CRD kind of KubeVirt, CDI and
 * CSI snapshots (so their scope is right everywhere). Sorted by group, then kind. A meta-test compares this with the
 * CRDs the control plane generates from KubeVirt's and CDI's Go code.
 */
export const KNOWN_KINDS: readonly KindInfo[] = [
  define({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', clusterScoped: false, discovery: 'namespace', restore: { phase: 'configuration', allowed: true } }),
  define({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', clusterScoped: true, nameRule: 'dns1123-label', restore: { phase: 'namespaces', allowed: true } }),
  define({ group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', clusterScoped: true }),
  define({
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    clusterScoped: false,
    discovery: 'namespace',
    exportVerbs: ['list', 'create', 'delete'],
    exportWhy: 'discover the VMs\' claims; --incremental: create and delete the backup\'s scratch claim',
    // The apiserver refuses spec changes of a bound claim beyond its size.
    restore: { phase: 'volumes', allowed: true, replaceBy: 'recreate', waitFor: 'claim-bound' },
    recreatedBy: 'CDI, for the claim of a DataVolume',
  }),
  define({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', clusterScoped: false, discovery: 'namespace', discoverySelector: 'kubevirt.io/created-by', recreatedBy: 'virt-controller, for a launcher Pod' }),
  define({
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    clusterScoped: false,
    discovery: 'namespace',
    exportVerbs: ['list', 'create', 'delete'],
    exportWhy: 'discover referenced Secrets; create and delete the export token Secrets',
    restore: { phase: 'configuration', allowed: true },
  }),
  define({ group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', clusterScoped: false, discovery: 'namespace', restore: { phase: 'configuration', allowed: true } }),
  // Instancetype revisions: the VM controller looks them up by the names recorded in the VM's spec.
  define({ group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', clusterScoped: false, discovery: 'namespace', restore: { phase: 'instancetypes', allowed: true } }),
  define({
    group: 'backup.kubevirt.io',
    version: 'v1alpha1',
    kind: 'VirtualMachineBackup',
    plural: 'virtualmachinebackups',
    clusterScoped: false,
    exportVerbs: ['list', 'create', 'delete'],
    exportWhy: '--incremental: create, wait for and delete the pull-mode backups',
    // Not restored: a backup is a job on a running VM, not part of its state.
  }),
  define({
    group: 'backup.kubevirt.io',
    version: 'v1alpha1',
    kind: 'VirtualMachineBackupTracker',
    plural: 'virtualmachinebackuptrackers',
    clusterScoped: false,
    exportVerbs: ['list', 'create'],
    exportWhy: '--incremental: read the checkpoint of the tool\'s tracker, create it on first use (never deleted)',
  }),
  define({ group: cdi, version: 'v1beta1', versions: ['v1beta1', 'v1alpha1'], kind: 'CDI', plural: 'cdis', clusterScoped: true, exportVerbs: ['list'], exportWhy: 'read the CDI version' }),
  define({ group: cdi, version: 'v1beta1', kind: 'CDIConfig', plural: 'cdiconfigs', clusterScoped: true }),
  define({ group: cdi, version: 'v1beta1', kind: 'DataImportCron', plural: 'dataimportcrons', clusterScoped: false }),
  define({ group: cdi, version: 'v1beta1', kind: 'DataSource', plural: 'datasources', clusterScoped: false, discovery: 'namespace', restore: { phase: 'volumes', allowed: true } }),
  define({
    group: cdi,
    version: 'v1beta1',
    kind: 'DataVolume',
    plural: 'datavolumes',
    clusterScoped: false,
    discovery: 'namespace',
    // CDI's webhook refuses spec changes of an existing DataVolume.
    restore: { phase: 'volumes', allowed: true, replaceBy: 'recreate', waitFor: 'datavolume-succeeded' },
    recreatedBy: 'the VM controller, from the dataVolumeTemplates of its VM',
  }),
  define({ group: cdi, version: 'v1beta1', kind: 'ObjectTransfer', plural: 'objecttransfers', clusterScoped: true }),
  define({ group: cdi, version: 'v1beta1', kind: 'StorageProfile', plural: 'storageprofiles', clusterScoped: true }),
  define({ group: cdi, version: 'v1beta1', kind: 'VolumeCloneSource', plural: 'volumeclonesources', clusterScoped: false, restore: { phase: 'volume-sources', allowed: true } }),
  // A PVC's dataSourceRef names these; the populator needs them when the claim appears.
  define({ group: cdi, version: 'v1beta1', kind: 'VolumeImportSource', plural: 'volumeimportsources', clusterScoped: false, discovery: 'namespace', restore: { phase: 'volume-sources', allowed: true } }),
  define({ group: cdi, version: 'v1beta1', kind: 'VolumeUploadSource', plural: 'volumeuploadsources', clusterScoped: false, restore: { phase: 'volume-sources', allowed: true } }),
  define({ group: 'clone.kubevirt.io', version: 'v1beta1', versions: ['v1beta1', 'v1alpha1'], kind: 'VirtualMachineClone', plural: 'virtualmachineclones', clusterScoped: false }),
  define({
    group: 'export.kubevirt.io',
    version: 'v1',
    versions: ['v1', 'v1beta1'],
    kind: 'VirtualMachineExport',
    plural: 'virtualmachineexports',
    clusterScoped: false,
    exportVerbs: ['create', 'list', 'delete'],
    exportWhy: '--export: create, wait for and delete the exports',
    // Not restored: an export serves a VM's disks to whoever holds its token, which a bundle could name.
  }),
  // Populators of Forklift's volume sources: they import from outside the cluster with credentials, so not restored.
  define({ group: 'forklift.cdi.kubevirt.io', version: 'v1beta1', kind: 'OpenstackVolumePopulator', plural: 'openstackvolumepopulators', clusterScoped: false }),
  define({ group: 'forklift.cdi.kubevirt.io', version: 'v1beta1', kind: 'OvirtVolumePopulator', plural: 'ovirtvolumepopulators', clusterScoped: false }),
  define({ group: instancetype, version: 'v1beta1', kind: 'VirtualMachineClusterInstancetype', plural: 'virtualmachineclusterinstancetypes', clusterScoped: true, discovery: 'cluster', restore: { phase: 'instancetypes', allowed: true } }),
  define({ group: instancetype, version: 'v1beta1', kind: 'VirtualMachineClusterPreference', plural: 'virtualmachineclusterpreferences', clusterScoped: true, discovery: 'cluster', restore: { phase: 'instancetypes', allowed: true } }),
  define({ group: instancetype, version: 'v1beta1', kind: 'VirtualMachineInstancetype', plural: 'virtualmachineinstancetypes', clusterScoped: false, discovery: 'namespace', restore: { phase: 'instancetypes', allowed: true } }),
  define({ group: instancetype, version: 'v1beta1', kind: 'VirtualMachinePreference', plural: 'virtualmachinepreferences', clusterScoped: false, discovery: 'namespace', restore: { phase: 'instancetypes', allowed: true } }),
  define({ group: 'k8s.cni.cncf.io', version: 'v1', kind: 'NetworkAttachmentDefinition', plural: 'network-attachment-definitions', clusterScoped: false, discovery: 'namespace', restore: { phase: 'configuration', allowed: true } }),
  define({ group: kubevirt, version: 'v1', versions: ['v1', 'v1alpha3'], kind: 'KubeVirt', plural: 'kubevirts', clusterScoped: false, exportVerbs: ['list'], exportWhy: 'read the KubeVirt version' }),
  define({ group: kubevirt, version: 'v1', versions: ['v1', 'v1alpha3'], kind: 'VirtualMachine', plural: 'virtualmachines', clusterScoped: false, discovery: 'namespace', restore: { phase: 'virtual-machines', allowed: true, waitFor: 'vm-run-strategy' } }),
  define({
    group: kubevirt,
    version: 'v1',
    versions: ['v1', 'v1alpha3'],
    kind: 'VirtualMachineInstance',
    plural: 'virtualmachineinstances',
    clusterScoped: false,
    discovery: 'namespace',
    restore: { phase: 'instances', allowed: true },
    recreatedBy: 'the VM, replica set or pool that owns it',
  }),
  define({ group: kubevirt, version: 'v1', versions: ['v1', 'v1alpha3'], kind: 'VirtualMachineInstanceMigration', plural: 'virtualmachineinstancemigrations', clusterScoped: false }),
  define({ group: kubevirt, version: 'v1', versions: ['v1', 'v1alpha3'], kind: 'VirtualMachineInstanceReplicaSet', plural: 'virtualmachineinstancereplicasets', clusterScoped: false, discovery: 'namespace', restore: { phase: 'instances', allowed: true } }),
  define({ group: 'migrations.kubevirt.io', version: 'v1alpha1', kind: 'MigrationPolicy', plural: 'migrationpolicies', clusterScoped: true }),
  define({ group: 'pool.kubevirt.io', version: 'v1alpha1', versions: ['v1alpha1', 'v1beta1'], kind: 'VirtualMachinePool', plural: 'virtualmachinepools', clusterScoped: false, discovery: 'namespace', restore: { phase: 'instances', allowed: true } }),
  define({ group: 'snapshot.kubevirt.io', version: 'v1beta1', versions: ['v1beta1', 'v1alpha1'], kind: 'VirtualMachineRestore', plural: 'virtualmachinerestores', clusterScoped: false }),
  define({
    group: 'snapshot.kubevirt.io',
    version: 'v1beta1',
    versions: ['v1beta1', 'v1alpha1'],
    kind: 'VirtualMachineSnapshot',
    plural: 'virtualmachinesnapshots',
    clusterScoped: false,
    exportVerbs: ['create', 'list', 'delete'],
    exportWhy: '--snapshot: create, wait for and delete the snapshots',
  }),
  define({ group: 'snapshot.kubevirt.io', version: 'v1beta1', versions: ['v1beta1', 'v1alpha1'], kind: 'VirtualMachineSnapshotContent', plural: 'virtualmachinesnapshotcontents', clusterScoped: false }),
  define({ group: snapshotStorage, version: 'v1', kind: 'VolumeSnapshot', plural: 'volumesnapshots', clusterScoped: false, discovery: 'namespace', restore: { phase: 'volumes', allowed: true } }),
  define({ group: snapshotStorage, version: 'v1', kind: 'VolumeSnapshotClass', plural: 'volumesnapshotclasses', clusterScoped: true }),
  define({ group: snapshotStorage, version: 'v1', kind: 'VolumeSnapshotContent', plural: 'volumesnapshotcontents', clusterScoped: true }),
  define({ group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', clusterScoped: true }),
];

const byKey = new Map(KNOWN_KINDS.map((info) => [`${info.group}/${info.kind}`, info]));

/** Cluster-scoped kinds outside KNOWN_KINDS that may still appear in input. */
const OTHER_CLUSTER_SCOPED = new Set([
  '/Node',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/VolumeAttachment',
]);

export function kindInfo(group: string, kind: string): KindInfo | undefined {
  return byKey.get(`${group}/${kind}`);
}

export function isClusterScoped(group: string, kind: string): boolean {
  return byKey.get(`${group}/${kind}`)?.clusterScoped ?? OTHER_CLUSTER_SCOPED.has(`${group}/${kind}`);
}

/** The registry entry of a kind the code names; a kind missing from the registry is a bug. */
export function mustKindInfo(kind: GroupKind): KindInfo {
  const info = kindInfo(kind.group, kind.kind);
  if (!info) throw new RangeError(`unknown kind ${kind.kind}.${kind.group}`);
  return info;
}

/** How a kind is named for humans and `--allow-kind`: `Pod`, `VirtualMachine.kubevirt.io`. */
export function kindName(kind: GroupKind): string {
  return kind.group === '' ? kind.kind : `${kind.kind}.${kind.group}`;
}

/** The kinds restore creates without `--allow-kind`, sorted. */
export function restorableKinds(): KindInfo[] {
  return KNOWN_KINDS.filter((info) => info.restore.allowed);
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
  VirtualMachineBackup: { group: 'backup.kubevirt.io', kind: 'VirtualMachineBackup' },
  VirtualMachineBackupTracker: { group: 'backup.kubevirt.io', kind: 'VirtualMachineBackupTracker' },
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
  /** CDI's claim annotation from the DataVolume's `spec.contentType` (`kubevirt` or `archive`). */
  contentType: 'cdi.kubevirt.io/storage.contentType',
} as const;

// The permissions `export` needs, as data: the one place the shipped ClusterRole is defined.

/** One rule of the ClusterRole, with why the export needs it. */
export interface RbacRule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
  why: string;
}

/** The name the role is printed under. */
export const EXPORT_ROLE_NAME = 'kubectl-kvbackup-export';

/**
 * Minimal rules: discovery LISTs (never GETs: see list.ts), the snapshot/export objects the run creates and deletes,
 * the token Secrets it creates, the freeze subresources, and the version facts for the bundle header.
 */
export const EXPORT_RULES: readonly RbacRule[] = [
  {
    apiGroups: ['kubevirt.io'],
    resources: ['virtualmachines', 'virtualmachineinstances', 'virtualmachineinstancereplicasets', 'kubevirts'],
    verbs: ['list'],
    why: 'discover the VMs, VMIs and replica sets; read the KubeVirt version',
  },
  { apiGroups: ['pool.kubevirt.io'], resources: ['virtualmachinepools'], verbs: ['list'], why: 'discover VM pools' },
  {
    apiGroups: ['instancetype.kubevirt.io'],
    resources: ['virtualmachineinstancetypes', 'virtualmachinepreferences', 'virtualmachineclusterinstancetypes', 'virtualmachineclusterpreferences'],
    verbs: ['list'],
    why: 'discover instancetypes and preferences',
  },
  {
    apiGroups: ['cdi.kubevirt.io'],
    resources: ['datavolumes', 'datasources', 'volumeimportsources', 'cdis'],
    verbs: ['list'],
    why: 'discover DataVolumes, DataSources and the import sources of populated PVCs; read the CDI version',
  },
  { apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshots'], verbs: ['list'], why: 'discover VolumeSnapshots that DataVolumes and PVCs are cloned from' },
  { apiGroups: ['k8s.cni.cncf.io'], resources: ['network-attachment-definitions'], verbs: ['list'], why: 'discover the Multus networks VMs attach to' },
  {
    apiGroups: [''],
    resources: ['persistentvolumeclaims', 'configmaps', 'serviceaccounts', 'pods'],
    verbs: ['list'],
    why: 'discover the volumes, config and launcher Pods the VMs reference',
  },
  { apiGroups: [''], resources: ['secrets'], verbs: ['list', 'create', 'delete'], why: 'discover referenced Secrets; create and delete the export token Secrets' },
  { apiGroups: ['apps'], resources: ['controllerrevisions'], verbs: ['list'], why: 'discover instancetype and preference revisions' },
  {
    apiGroups: ['subresources.kubevirt.io'],
    resources: ['virtualmachineinstances/freeze', 'virtualmachineinstances/unfreeze'],
    verbs: ['update'],
    why: '--quiesce: freeze and thaw guest filesystems',
  },
  { apiGroups: ['subresources.kubevirt.io'], resources: ['version'], verbs: ['get'], why: 'read the KubeVirt version from virt-api when the KubeVirt CR is not readable' },
  {
    apiGroups: ['snapshot.kubevirt.io'],
    resources: ['virtualmachinesnapshots'],
    verbs: ['create', 'list', 'delete'],
    why: '--snapshot: create, wait for and delete the snapshots',
  },
  {
    apiGroups: ['export.kubevirt.io'],
    resources: ['virtualmachineexports'],
    verbs: ['create', 'list', 'delete'],
    why: '--export: create, wait for and delete the exports',
  },
  { nonResourceURLs: ['/version'], verbs: ['get'], why: 'read the Kubernetes version' },
];

/** The ClusterRole manifest (without the `why` notes, which the printer turns into comments). */
export function exportClusterRole(): { apiVersion: string; kind: string; metadata: { name: string }; rules: Omit<RbacRule, 'why'>[] } {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: EXPORT_ROLE_NAME },
    rules: EXPORT_RULES.map(({ why: _why, ...rule }) => rule),
  };
}

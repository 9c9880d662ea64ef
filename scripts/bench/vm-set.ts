// The benchmark's VM set: what a user creates for VM i, and what a cluster holds once the simulated controllers ran.

import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue, KubeObject, OwnerReference } from '../../src/model/kube-object.ts';
import { simAnnotations } from '../e2e/simulator.ts';

/** The StorageClass the control plane makes default (scripts/control-plane/lib/up.sh). */
export const STORAGE_CLASS = 'kvbackup-test';
/** The simulated CSI driver and provisioner (scripts/control-plane/sim/storage.go). */
const SIM_DRIVER = 'sim.kvbackup.test';
/** The annotation that sets the size of a simulated volume's content. */
/** Objects per VM in a settled namespace: VM, DataVolume, PVC, Secret, ConfigMap, instancetype, ControllerRevision. */
export const OBJECTS_PER_VM = 7;
/** Fixed clock of generated bundles, so the same seed gives the same bytes. */
export const CREATED_AT = '2025-01-02T03:04:05Z';

/** The names of VM `i` (1-based) and of everything it uses. */
export function vmNames(i: number) {
  const vm = `vm-${String(i).padStart(5, '0')}`;
  return { vm, disk: `${vm}-disk`, secret: `${vm}-cloudinit`, configMap: `${vm}-config`, instancetype: `${vm}-it` };
}

/** Hex derived from the seed and a label: every generated value is a function of (seed, what it is for). */
function derive(seed: string, label: string): string {
  return createHash('sha256').update(seed).update('\u0000').update(label).digest('hex');
}

/** A version 4 style UUID derived from the seed. */
export function uuidOf(seed: string, label: string): string {
  const h = derive(seed, label);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A locally administered unicast MAC derived from the seed. */
export function macOf(seed: string, label: string): string {
  const h = derive(seed, label);
  return ['02', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(':');
}

/**
 * What a user applies for VM `i`: a cloud-init Secret, a ConfigMap, a namespaced instancetype and a halted VM with a
 * DataVolume template, one interface with a fixed MAC, and a firmware serial and UUID.
 */
export function userObjects(seed: string, namespace: string, i: number, options: { diskBytes?: number } = {}): KubeObject[] {
  const n = vmNames(i);
  // The simulator serves this many bytes as the volume's content (scripts/control-plane/sim/volumes.go).
  const diskAnnotations = options.diskBytes === undefined ? undefined : simAnnotations({ diskSize: options.diskBytes });
  const userData = `#cloud-config\nhostname: ${n.vm}\nssh_authorized_keys:\n  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${derive(seed, `${n.vm}/key`).slice(0, 43)} bench\n`;
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: n.secret, namespace, labels: { app: n.vm } },
      type: 'Opaque',
      data: { userdata: Buffer.from(userData).toString('base64') },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: n.configMap, namespace, labels: { app: n.vm } },
      data: { 'app.properties': `name=${n.vm}\nreplica=${i}\nlog.level=info\n` },
    },
    {
      apiVersion: 'instancetype.kubevirt.io/v1beta1',
      kind: 'VirtualMachineInstancetype',
      metadata: { name: n.instancetype, namespace },
      spec: { cpu: { guest: 1 + (i % 4) }, memory: { guest: `${1 + (i % 4)}Gi` } },
    },
    {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: { name: n.vm, namespace, labels: { app: n.vm, tier: i % 2 === 0 ? 'web' : 'db' } },
      spec: {
        runStrategy: 'Halted',
        instancetype: { kind: 'VirtualMachineInstancetype', name: n.instancetype },
        dataVolumeTemplates: [
          {
            metadata: diskAnnotations ? { name: n.disk, annotations: diskAnnotations } : { name: n.disk },
            spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } },
          },
        ],
        template: {
          metadata: { labels: { app: n.vm, 'kubevirt.io/domain': n.vm } },
          spec: {
            domain: {
              devices: {
                disks: [
                  { name: 'root', disk: { bus: 'virtio' } },
                  { name: 'cloudinit', disk: { bus: 'virtio' } },
                  { name: 'config', disk: { bus: 'virtio' }, serial: 'CONFIG' },
                ],
                interfaces: [{ name: 'default', masquerade: {}, macAddress: macOf(seed, `${namespace}/${n.vm}/default`) }],
              },
              firmware: { serial: uuidOf(seed, `${namespace}/${n.vm}/serial`), uuid: uuidOf(seed, `${namespace}/${n.vm}/uuid`) },
            },
            networks: [{ name: 'default', pod: {} }],
            volumes: [
              { name: 'root', dataVolume: { name: n.disk } },
              { name: 'cloudinit', cloudInitNoCloud: { secretRef: { name: n.secret } } },
              { name: 'config', configMap: { name: n.configMap } },
            ],
          },
        },
      },
    },
  ];
}

/** The ownerReference a controller sets on what it creates. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid as string, controller: true, blockOwnerDeletion: true };
}

/** The DataVolume the VM controller creates from the VM's template (the VM must carry its uid). */
export function dataVolumeOf(vm: KubeObject): KubeObject {
  const template = (vm.spec as { dataVolumeTemplates: { metadata: { name: string; annotations?: Record<string, string> }; spec: JsonObject }[] }).dataVolumeTemplates[0];
  if (!template) throw new Error(`${vm.metadata.name} has no DataVolume template`);
  const { name, annotations } = template.metadata;
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: { name, namespace: vm.metadata.namespace as string, ...(annotations ? { annotations } : {}), ownerReferences: [controllerRef(vm)] },
    spec: template.spec,
  };
}

/** A finished blank import, as CDI reports it once its PVC is bound. */
export function dataVolumeStatus(name: string, time: string): JsonObject {
  return {
    phase: 'Succeeded',
    progress: '100.0%',
    claimName: name,
    conditions: [
      condition('Bound', 'True', 'Bound', `PVC ${name} Bound`, time),
      condition('Ready', 'True', '', '', time),
      condition('Running', 'False', 'Completed', '', time),
    ],
  };
}

/** The PVC CDI creates for a DataVolume (which must carry its uid), as it looks once bound and imported. */
export function claimOf(seed: string, dataVolume: KubeObject): KubeObject {
  const { name, namespace } = dataVolume.metadata;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: namespace as string,
      labels: { app: 'containerized-data-importer', 'app.kubernetes.io/component': 'storage', 'app.kubernetes.io/managed-by': 'cdi-controller' },
      annotations: {
        // CDI passes the DataVolume's annotations on to its PVC.
        ...dataVolume.metadata.annotations,
        'cdi.kubevirt.io/createdForDataVolume': dataVolume.metadata.uid as string,
        'cdi.kubevirt.io/storage.condition.running': 'false',
        'cdi.kubevirt.io/storage.contentType': 'kubevirt',
        'cdi.kubevirt.io/storage.import.source': 'none',
        'cdi.kubevirt.io/storage.pod.phase': 'Succeeded',
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.kubernetes.io/storage-provisioner': SIM_DRIVER,
      },
      ownerReferences: [controllerRef(dataVolume)],
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      storageClassName: STORAGE_CLASS,
      volumeMode: 'Filesystem',
      volumeName: `pvc-${uuidOf(seed, `PersistentVolume/${namespace}/${name}`)}`,
    },
  };
}

/** A bound claim's status. */
export const CLAIM_STATUS: JsonObject = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } };

/** The ControllerRevision KubeVirt stores the VM's instancetype in (both must carry their uids), named as it names it. */
export function revisionOf(vm: KubeObject, instancetype: KubeObject): KubeObject {
  const generation = (instancetype.metadata.generation as number | undefined) ?? 1;
  const { labels: _labels, annotations: _annotations, managedFields: _managed, ownerReferences: _owners, ...metadata } = instancetype.metadata;
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${vm.metadata.name}-${instancetype.metadata.name}-v1beta1-${instancetype.metadata.uid}-${generation}`,
      namespace: vm.metadata.namespace as string,
      labels: {
        'instancetype.kubevirt.io/object-generation': String(generation),
        'instancetype.kubevirt.io/object-kind': instancetype.kind,
        'instancetype.kubevirt.io/object-name': instancetype.metadata.name,
        'instancetype.kubevirt.io/object-uid': instancetype.metadata.uid as string,
        'instancetype.kubevirt.io/object-version': 'v1beta1',
      },
      ownerReferences: [controllerRef(vm)],
    },
    data: { apiVersion: instancetype.apiVersion, kind: instancetype.kind, metadata, spec: instancetype.spec } as JsonValue,
    revision: 1,
  };
}

/** A halted VM's status as virt-controller sets it, pointing at its instancetype revision. */
export function vmStatus(vm: KubeObject, revisionName: string, time: string): JsonObject {
  const instancetype = (vm.spec as { instancetype: { kind: string; name: string } }).instancetype;
  const volumes = (vm.spec as { template: { spec: { volumes: JsonObject[] } } }).template.spec.volumes;
  return {
    conditions: [condition('Ready', 'False', 'VMINotExists', 'VMI does not exist', time)],
    created: false,
    desiredGeneration: (vm.metadata.generation as number | undefined) ?? 1,
    instancetypeRef: { controllerRevisionRef: { name: revisionName }, kind: instancetype.kind, name: instancetype.name },
    observedGeneration: (vm.metadata.generation as number | undefined) ?? 1,
    printableStatus: 'Stopped',
    runStrategy: 'Halted',
    volumeSnapshotStatuses: volumes.map((volume): JsonObject => {
      const source = Object.keys(volume).find((key) => key !== 'name') ?? '';
      const supported = source === 'dataVolume' || source === 'persistentVolumeClaim';
      return supported ? { enabled: true, name: volume.name as string } : { enabled: false, name: volume.name as string, reason: `Snapshot is not supported for this volumeSource type [${source}]` };
    }),
  };
}

/**
 * Everything in the namespace for VM `i` once the simulated controllers settled it (scripts/control-plane/sim), with
 * server metadata derived from the seed: the user's objects, the DataVolume (Succeeded) owned by the VM, its bound
 * PVC, the instancetype's ControllerRevision and the VM's status pointing at it.
 */
export function settledObjects(seed: string, namespace: string, i: number): KubeObject[] {
  const created = new Date(Date.parse(CREATED_AT) + i * 1000).toISOString().replace('.000Z', 'Z');
  let version = i * 100;
  const server = (object: KubeObject): KubeObject => {
    const key = `${object.kind}/${namespace}/${object.metadata.name}`;
    const metadata: JsonObject = { ...(object.metadata as JsonObject), uid: uuidOf(seed, key), resourceVersion: String((version += 1)), creationTimestamp: created };
    if (!['Secret', 'ConfigMap', 'PersistentVolumeClaim', 'ControllerRevision'].includes(object.kind)) metadata.generation = 1;
    const manager = object.kind === 'Secret' || object.kind === 'ConfigMap' || object.kind.includes('Instancetype') || object.kind === 'VirtualMachine' ? 'kubectl-create' : 'kvb-sim';
    metadata.managedFields = [{ apiVersion: object.apiVersion, fieldsType: 'FieldsV1', fieldsV1: fieldsOf(object), manager, operation: 'Update', time: created }];
    return { ...object, metadata } as KubeObject;
  };
  const [secret, configMap, instancetype, userVm] = userObjects(seed, namespace, i).map(server) as [KubeObject, KubeObject, KubeObject, KubeObject];
  const dataVolume = server(dataVolumeOf(userVm));
  const claim = server(claimOf(seed, dataVolume));
  const revision = server(revisionOf(userVm, instancetype));
  return [
    withStatus(userVm, vmStatus(userVm, revision.metadata.name, created), created),
    withStatus(dataVolume, dataVolumeStatus(dataVolume.metadata.name, created), created),
    withStatus(claim, CLAIM_STATUS, created),
    secret,
    configMap,
    instancetype,
    revision,
  ];
}

/** The object with its status, and the managedFields entry the controller's status write leaves. */
function withStatus(object: KubeObject, status: JsonObject, time: string): KubeObject {
  const managedFields = [...((object.metadata.managedFields as JsonValue[] | undefined) ?? [])];
  const fieldsV1 = fieldsOf({ apiVersion: '', kind: '', metadata: { name: '' }, status });
  managedFields.push({ apiVersion: object.apiVersion, fieldsType: 'FieldsV1', fieldsV1, manager: 'kvb-sim', operation: 'Update', subresource: 'status', time });
  return { ...object, metadata: { ...object.metadata, managedFields }, status };
}

function condition(type: string, status: string, reason: string, message: string, time: string) {
  return { lastTransitionTime: time, message, reason, status, type };
}

/** The FieldsV1 set an apiserver records for an object's fields (keys only, as `f:<key>`). */
function fieldsOf(object: KubeObject): JsonObject {
  const walk = (value: unknown, skip: readonly string[]): JsonObject => {
    const out: JsonObject = {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
    for (const [key, child] of Object.entries(value)) if (child !== undefined && !skip.includes(key)) out[`f:${key}`] = walk(child, []);
    return out;
  };
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = object;
  return walk({ ...rest, metadata: { labels: metadata.labels, annotations: metadata.annotations } }, []);
}

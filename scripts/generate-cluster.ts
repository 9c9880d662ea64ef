// Fills a namespace of the local control plane with N benchmark VMs, settled as the simulated controllers leave them.
// Run (control plane up): node scripts/generate-cluster.ts --vms 1000 [--namespace kvb-bench] [--seed bench] [--kubeconfig K]
//
// Per VM it creates what a user would (scripts/bench/vm-set.ts: Secret, ConfigMap, instancetype, halted VM with a
// DataVolume template) and then, instead of waiting for the simulator, what KubeVirt and CDI would: the DataVolume,
// its PVC, the instancetype's ControllerRevision, and every status through the status subresource, exactly as the
// simulator computes them, so its reconciles find nothing to change. (The simulator re-queues a whole namespace on
// every event, so settling thousands of VMs one reconcile at a time would take hours.) It races the simulator
// safely: whatever exists already is taken as is. Running it again with a larger N adds only the missing VMs.

import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parseArgs } from 'node:util';
import { mapConcurrent } from '../src/io/cluster/list.ts';
import type { JsonObject, KubeObject } from '../src/model/kube-object.ts';
import { CLAIM_STATUS, claimOf, dataVolumeOf, dataVolumeStatus, revisionOf, userObjects, vmNames, vmStatus } from './bench/vm-set.ts';

export interface GenerateClusterOptions {
  vms: number;
  namespace: string;
  seed: string;
  /** Size of each simulated volume's content (default: the simulator's 1 MiB). */
  diskBytes?: number | undefined;
  kubeconfig?: string | undefined;
  /** VMs set up at the same time. */
  concurrency: number;
  /** How long to wait until every VM reads back settled. */
  timeoutSeconds: number;
  log(message: string): void;
}

const POLL_MS = 2000;
const PAGE = 500;
const STATUS_ATTEMPTS = 5;

interface Clients {
  objects: KubernetesObjectApi;
  custom: CustomObjectsApi;
  core: CoreV1Api;
}

/** Sets up those of VMs 1..N that are not settled yet, with everything they use, and waits until all read back settled. */
export async function generateCluster(options: GenerateClusterOptions): Promise<void> {
  const kc = new KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  const clients: Clients = { objects: KubernetesObjectApi.makeApiClient(kc), custom: kc.makeApiClient(CustomObjectsApi), core: kc.makeApiClient(CoreV1Api) };
  await ensure(clients, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: options.namespace } });

  const started = Date.now();
  const already = await settledVms(clients.custom, options.namespace, options.vms);
  const missing = Array.from({ length: options.vms }, (_, i) => i + 1).filter((i) => !already.has(i));
  let done = 0;
  await mapConcurrent(missing, options.concurrency, async (i) => {
    await settleVm(clients, options, i);
    if (++done % 500 === 0) options.log(`${done}/${missing.length} VMs set up`);
  });
  options.log(`${missing.length} VMs set up (${already.size} were already) in ${((Date.now() - started) / 1000).toFixed(1)}s`);

  const deadline = Date.now() + options.timeoutSeconds * 1000;
  for (;;) {
    const settled = (await settledVms(clients.custom, options.namespace, options.vms)).size;
    if (settled >= options.vms) break;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutSeconds}s: ${settled}/${options.vms} VMs settled`);
    options.log(`settled: ${settled}/${options.vms} VMs (DataVolume Succeeded, revision in the VM status)`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  options.log(`${options.vms} VMs settled in namespace ${options.namespace} after ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/** One VM and everything it uses, in dependency order (each step needs the uid of the one before). */
async function settleVm(clients: Clients, { seed, namespace, diskBytes }: GenerateClusterOptions, i: number): Promise<void> {
  const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const [secret, configMap, instancetype, vm] = userObjects(seed, namespace, i, diskBytes === undefined ? {} : { diskBytes }) as [KubeObject, KubeObject, KubeObject, KubeObject];
  await ensure(clients, secret);
  await ensure(clients, configMap);
  const liveInstancetype = await ensure(clients, instancetype);
  const liveVm = await ensure(clients, vm);
  const dataVolume = await ensure(clients, dataVolumeOf(liveVm));
  const claim = await ensure(clients, claimOf(seed, dataVolume));
  await ensureStatus(clients, claim, () => CLAIM_STATUS, (status) => status?.phase === 'Bound');
  await ensureStatus(clients, dataVolume, () => dataVolumeStatus(dataVolume.metadata.name, time), (status) => status?.phase === 'Succeeded');
  const revision = await ensure(clients, revisionOf(liveVm, liveInstancetype));
  await ensureStatus(clients, liveVm, () => vmStatus(liveVm, revision.metadata.name, time), (status) => isRecord(status?.instancetypeRef));
}

/** Creates the object, or reads it back when it exists already (made by the simulator, or by an earlier run). */
async function ensure(clients: Clients, object: KubeObject | KubernetesObject): Promise<KubeObject> {
  try {
    return (await clients.objects.create(object as KubernetesObject)) as unknown as KubeObject;
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
    return (await clients.objects.read(object as KubernetesObject & { metadata: { name: string } })) as unknown as KubeObject;
  }
}

/** Writes the status through the status subresource unless it is settled already; re-reads after a conflict. */
async function ensureStatus(clients: Clients, object: KubeObject, status: () => JsonObject, settled: (status: JsonObject | undefined) => boolean): Promise<void> {
  let current = object;
  for (let attempt = 1; ; attempt++) {
    if (settled(current.status as JsonObject | undefined)) return;
    try {
      await writeStatus(clients, { ...current, status: status() });
      return;
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 409) || attempt >= STATUS_ATTEMPTS) throw error;
      current = (await clients.objects.read(object as unknown as KubernetesObject & { metadata: { name: string } })) as unknown as KubeObject;
    }
  }
}

async function writeStatus(clients: Clients, object: KubeObject): Promise<void> {
  const { name, namespace } = object.metadata;
  if (object.kind === 'PersistentVolumeClaim') {
    await clients.core.replaceNamespacedPersistentVolumeClaimStatus({ name, namespace: namespace as string, body: object as never });
    return;
  }
  const [group, version] = object.apiVersion.split('/') as [string, string];
  const plural = { VirtualMachine: 'virtualmachines', DataVolume: 'datavolumes' }[object.kind];
  if (!plural) throw new Error(`no status writer for ${object.kind}`);
  await clients.custom.replaceNamespacedCustomObjectStatus({ group, version, namespace: namespace as string, plural, name, body: object });
}

function isRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Which of VMs 1..N have a Succeeded DataVolume and carry their instancetype revision in status. */
async function settledVms(custom: CustomObjectsApi, namespace: string, vms: number): Promise<Set<number>> {
  type Loose = { metadata?: { name?: string }; status?: { phase?: string; instancetypeRef?: { controllerRevisionRef?: { name?: string } } } };
  const indexOf = (name: string | undefined, field: 'vm' | 'disk') => {
    const match = /^vm-(\d{5})/.exec(name ?? '');
    const i = match ? Number(match[1]) : 0;
    return i >= 1 && i <= vms && vmNames(i)[field] === name ? i : 0;
  };
  const imported = new Set<number>();
  for (const dv of await listAll<Loose>(custom, 'cdi.kubevirt.io', 'v1beta1', 'datavolumes', namespace)) {
    if (dv.status?.phase === 'Succeeded') imported.add(indexOf(dv.metadata?.name, 'disk'));
  }
  const settled = new Set<number>();
  for (const vm of await listAll<Loose>(custom, 'kubevirt.io', 'v1', 'virtualmachines', namespace)) {
    const i = indexOf(vm.metadata?.name, 'vm');
    if (i > 0 && imported.has(i) && vm.status?.instancetypeRef?.controllerRevisionRef?.name) settled.add(i);
  }
  return settled;
}

async function listAll<T>(custom: CustomObjectsApi, group: string, version: string, plural: string, namespace: string): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  // Bounded: a benchmark namespace holds at most 99,999 objects of a kind.
  for (let page = 0; page < 1000; page++) {
    const list = (await custom.listNamespacedCustomObject({ group, version, namespace, plural, limit: PAGE, _continue: token })) as { items: T[]; metadata?: { continue?: string } };
    items.push(...list.items);
    token = list.metadata?.continue || undefined;
    if (!token) return items;
  }
  throw new Error(`listing ${plural}.${group} in ${namespace}: too many pages`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      vms: { type: 'string' },
      namespace: { type: 'string', default: 'kvb-bench' },
      seed: { type: 'string', default: 'bench' },
      'disk-size': { type: 'string' },
      kubeconfig: { type: 'string' },
      concurrency: { type: 'string', default: '16' },
      timeout: { type: 'string', default: '1800' },
    },
  });
  const vms = Number(values.vms);
  if (!Number.isInteger(vms) || vms < 1 || vms > 99_999) throw new Error('usage: generate-cluster.ts --vms N (1..99999) [--namespace NS] [--seed S] [--disk-size BYTES] [--kubeconfig K] [--concurrency C] [--timeout S]');
  await generateCluster({
    vms,
    namespace: values.namespace,
    seed: values.seed,
    diskBytes: values['disk-size'] === undefined ? undefined : Number(values['disk-size']),
    kubeconfig: values.kubeconfig,
    concurrency: Math.max(1, Math.min(64, Number(values.concurrency))),
    timeoutSeconds: Number(values.timeout),
    log: (message) => process.stderr.write(`generate-cluster: ${message}\n`),
  });
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`generate-cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

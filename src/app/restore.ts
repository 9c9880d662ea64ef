// `restore`: a bundle or manifests onto a cluster, transformed unless already, in dependency order, with data and a summary.

import { ClusterError, InputError, UsageError } from '../errors.ts';
import { kindInfo } from '../model/kinds.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { describeRef, refKey, refOf, type ObjectRef } from '../model/object-ref.ts';
import { parseAllowedKinds, refusedObjects } from '../restore/allow-list.ts';
import { withKindScope } from '../restore/scope.ts';
import { findCollisions, describeCollisions } from '../restore/collisions.ts';
import { planData, type DataPlan, type DataSourceMode } from '../restore/data-plan.ts';
import { progressOf, WAITED_KINDS } from '../restore/expected-state.ts';
import { namespacesOf, withNamespaces } from '../restore/namespaces.ts';
import { restoreOrder } from '../restore/order.ts';
import { formatSummary, summarise, type ObjectResult, type RestoreSummary } from '../restore/summary.ts';
import { checkAlreadyTransformed, deriveSeed, namespaceMapper } from '../restore/transform-plan.ts';
import { transform } from '../transform/index.ts';
import { connect, type ClusterClient } from '../io/cluster/client.ts';
import { listKind } from '../io/cluster/list.ts';
import { applyObject, type DryRun, type OnConflict } from '../io/cluster/restore-apply.ts';
import { ResourceResolver } from '../io/cluster/restore-resources.ts';
import { locateUploadProxy, requestUploadToken, uploadData, waitUploadReady, type UploadProxy } from '../io/cluster/restore-upload.ts';
import { ChunkCollector, type ChunkSource } from '../io/chunks/chunk-source.ts';
import { chainChunks, closeChain, isBundleFile, readChain, type ScannedBundle } from './chain-input.ts';
import { readVolume } from '../io/chunks/read-volume.ts';
import { BundleInputError, formatBytes } from '../bundle/index.ts';
import { Readable } from 'node:stream';
import { targetOf } from '../io/cluster/resource.ts';
import { waitForAll } from '../io/cluster/wait.ts';
import { toJson } from '../io/term/render.ts';
import { note, type StdStreams } from '../io/term/streams.ts';
import { installInterrupt } from './interrupt.ts';
import { loadInput, type InputSelection, type LoadedInput } from './load-input.ts';
import { describeInput } from '../io/files/read-input.ts';
import type { TransformFlags } from './options.ts';
import { resolveFlags } from './transform.ts';

export interface RestoreOptions {
  input: InputSelection;
  /** Namespace of manifests that carry none. */
  namespace: string;
  kubeconfig: string | undefined;
  context: string | undefined;
  verbose: boolean;
  output: 'text' | 'json';
  onConflict: OnConflict;
  dryRun: DryRun;
  wait: boolean;
  /** Seconds for each wait: upload readiness, recreating replaced volumes, `--wait`. */
  timeoutSeconds: number;
  allowCollisions: boolean;
  /** Undefined: `bundle` when the bundle carries volume data, else `none`. */
  dataSource: DataSourceMode | undefined;
  uploadProxyUrl: string | undefined;
  uploadProxyCa: string | undefined;
  /** `--allow-kind KIND.GROUP`: kinds restore may create beyond the allow-list. */
  allowKinds: readonly string[];
  /** `--allow-export-host`: loopback, link-local or metadata hosts an export URL may name. */
  allowExportHosts: readonly string[];
  transform: TransformFlags;
}

/** The objects to apply, after transform and data planning, in apply order. */
interface Prepared {
  ordered: { ref: ReturnType<typeof refOf>; object: KubeObject }[];
  data: DataPlan;
  mode: DataSourceMode;
}

export async function runRestore(options: RestoreOptions, streams: StdStreams): Promise<void> {
  // Several bundles are an incremental chain: all of them checked before anything else; objects come from the last.
  const chain = await readChainIfGiven(options.input.filenames);
  const last = chain?.[chain.length - 1];
  let input: LoadedInput;
  try {
    input = await loadInput(last ? { ...options.input, filenames: [last.file] } : options.input, options.namespace, streams, 'restore');
  } catch (error) {
    if (chain) await closeChain(chain);
    throw error;
  }
  if (chain) note(streams, `restore: chain of ${chain.length} bundles verified (${chain.map((link) => `${link.source}: ${link.header.backup?.type} at position ${link.header.backup?.chainPosition}`).join(', ')}); restoring the latest state`);
  const incremental = input.type === 'bundle' && !chain ? input.metadata.header.backup : undefined;
  if (incremental?.type === 'Incremental') {
    if (input.type === 'bundle') input.reader.close();
    throw new InputError(`${describeInput(options.input)}: an incremental backup (chain position ${incremental.chainPosition}) holds only what changed; restore it with its chain, oldest first: -f <full> … -f ${describeInput(options.input)}`);
  }
  const interrupt = installInterrupt((signal, first) => note(streams, first ? `${signal}: stopping after the current request` : `${signal}: still stopping`));
  let client: ClusterClient | undefined;
  try {
    const prepared = await prepare(input, options, streams);
    const uploading = prepared.mode === 'bundle' && options.dryRun === 'none' && prepared.data.uploads.length > 0;
    // Without uploads the whole bundle, data included, is checked against its trailer before anything is applied.
    if (input.type === 'bundle' && !uploading) await input.reader.finish();
    client = connect({ kubeconfig: options.kubeconfig, context: options.context, onRetry: options.verbose ? (message) => note(streams, message) : undefined });
    const run = new RestoreRun(client, options, streams, interrupt.signal);
    await run.checkCollisions(prepared.ordered.map((entry) => entry.object));
    await run.apply(prepared.ordered);
    if (uploading && input.type === 'bundle') {
      await run.upload(input, prepared.data, chain ? chainChunks(chain) : undefined);
      await input.reader.finish();
    } else if (prepared.mode !== 'none') run.recordPlannedVolumes(prepared);
    if (options.wait && options.dryRun === 'none') await run.waitForState();
    run.report();
  } finally {
    if (input.type === 'bundle') input.reader.close();
    if (chain) await closeChain(chain);
    if (options.verbose && client) note(streams, `kvbackup: ${client.requestCount} API request${client.requestCount === 1 ? '' : 's'} (${client.retryCount} retries)`);
    interrupt.finish();
  }
}

/** Transform (unless the bundle already was), data plan, namespaces, order. */
async function prepare(input: LoadedInput, options: RestoreOptions, streams: StdStreams): Promise<Prepared> {
  const flags = options.transform;
  const allowed = parseAllowedKinds(options.allowKinds);
  // An object's scope comes from its kind, never from where the input put it.
  const index = new ObjectIndex(input.index.entries().map(({ object, source }) => ({ object: withKindScope(object, options.namespace), source })));
  let objects: KubeObject[];
  let mapNamespace: (namespace: string) => string;
  const transformed = input.type === 'bundle' ? input.metadata.header.transformed : undefined;
  if (transformed) {
    checkAlreadyTransformed(flags, transformed.rules);
    note(streams, `restore: the bundle was already transformed (seed ${transformed.seed ?? 'unknown'}); restoring it as it is`);
    objects = index.objects();
    mapNamespace = namespaceMapper(transformed.options);
  } else {
    const seed = flags.seed ?? deriveSeed(index.entries().map((entry) => entry.ref), flags);
    if (flags.seed === undefined) note(streams, `restore: seed ${seed} (derived from the input, so a re-run gives the same identities; --seed chooses another)`);
    const result = transform(index, await resolveFlags(flags, seed));
    objects = result.objects;
    mapNamespace = namespaceMapper(result.report.options);
    note(streams, `restore: transformed ${input.index.size} objects: ${result.objects.length} to restore, ${result.report.dropped.length} dropped, ${result.report.changes.length} changes`);
    for (const warning of result.report.warnings) note(streams, `warning: ${warning.message}`);
  }

  const exports = input.type === 'bundle' ? input.metadata.exports : [];
  const carriesData = exports.some((record) => record.data.length > 0);
  const mode = options.dataSource ?? (carriesData ? 'bundle' : 'none');
  if (mode === 'bundle' && !carriesData) throw new UsageError('--data-source bundle: the input carries no volume data (export with --with-data)');
  if (mode === 'export-url' && exports.length === 0) throw new UsageError('--data-source export-url: the input has no export records (export with --export)');
  const data = planData({ mode, objects, exports, mapNamespace, allowedExportHosts: options.allowExportHosts });
  for (const warning of data.warnings) note(streams, `warning: volume ${warning.namespace}/${warning.name}: ${warning.message}`);
  if (data.objects.length === 0) {
    // As `kubectl create`: an empty input is a mistake (a failed export upstream in a pipe), not a successful no-op.
    throw new InputError(`${describeInput(options.input)}: no objects to restore${input.index.size > 0 ? ' (the transform dropped them all)' : ''}`);
  }
  const ordered = restoreOrder(withNamespaces(data.objects)).map(({ ref, object }) => ({ ref, object }));
  const refused = refusedObjects(ordered.map((entry) => entry.object), allowed);
  if (refused.length > 0) {
    throw new InputError(
      `refusing to restore ${refused.length} object${refused.length === 1 ? '' : 's'} of kinds a VM backup does not hold; nothing was created (README: Security model)`,
      refused,
    );
  }
  if (flags.targetNamespace === undefined) note(streams, describeDestinations(ordered.map((entry) => entry.ref)));
  return { ordered, data, mode };
}

/** `restore: writing to namespaces a, b and 1 cluster-scoped object`: said before anything is applied. */
function describeDestinations(refs: readonly ObjectRef[]): string {
  const namespaces = [...new Set(refs.filter((ref) => ref.namespace !== '').map((ref) => ref.namespace))].sort();
  const clusterScoped = refs.filter((ref) => ref.namespace === '' && ref.kind !== 'Namespace').length;
  const where = namespaces.length === 0 ? 'no namespace' : `namespace${namespaces.length === 1 ? '' : 's'} ${namespaces.join(', ')}`;
  return `restore: writing to ${where}${clusterScoped > 0 ? ` and ${clusterScoped} cluster-scoped object${clusterScoped === 1 ? '' : 's'}` : ''} (--target-namespace moves them)`;
}

/** One restore against one cluster: results accumulate here and become the summary. */
class RestoreRun {
  readonly #client: ClusterClient;
  readonly #options: RestoreOptions;
  readonly #streams: StdStreams;
  readonly #signal: AbortSignal;
  readonly #resources: ResourceResolver;
  readonly #deadline: number;
  readonly #results: ObjectResult[] = [];
  readonly #volumes: RestoreSummary['volumes'] = [];
  readonly #waitFailures: string[] = [];
  /** Set when a volume failed because the bundle's data did not check out: the run then exits as for bad input. */
  #badData = false;

  constructor(client: ClusterClient, options: RestoreOptions, streams: StdStreams, signal: AbortSignal) {
    this.#client = client;
    this.#options = options;
    this.#streams = streams;
    this.#signal = signal;
    this.#resources = new ResourceResolver(client);
    this.#deadline = Date.now() + options.timeoutSeconds * 1000;
  }

  /** Refuses (exit 3, with the list) when a live VM or VMI already uses a MAC, serial or UUID the restore sets. */
  async checkCollisions(objects: readonly KubeObject[]): Promise<void> {
    const live = await this.#liveMachines(namespacesOf(objects));
    const collisions = findCollisions(objects, live);
    if (collisions.length === 0) return;
    const lines = describeCollisions(collisions, describeRef);
    if (this.#options.allowCollisions) {
      for (const line of lines) note(this.#streams, `warning: ${line}`);
      return;
    }
    throw new ClusterError(`refusing to restore: ${collisions.length} identit${collisions.length === 1 ? 'y is' : 'ies are'} already in use in the cluster (--allow-collisions restores anyway; the transform's --mac/--firmware remap gives new ones)`, lines);
  }

  /** Every VM, VMI, replica set and pool: cluster-wide, or in the restored namespaces when that is all RBAC allows. */
  async #liveMachines(namespaces: readonly string[]): Promise<KubeObject[]> {
    const kinds = ['VirtualMachine', 'VirtualMachineInstance', 'VirtualMachineInstanceReplicaSet'].map((kind) => kindInfo('kubevirt.io', kind));
    kinds.push(kindInfo('pool.kubevirt.io', 'VirtualMachinePool'));
    const live: KubeObject[] = [];
    for (const info of kinds) {
      if (!info) continue;
      try {
        live.push(...(await listKind(this.#client, info, undefined, { signal: this.#signal })).objects);
      } catch (error) {
        if (!(error instanceof ClusterError) || error.status !== 403) throw error;
        note(this.#streams, `warning: cannot list ${info.plural} in all namespaces; the collision check covers only ${namespaces.join(', ')}`);
        for (const namespace of namespaces) live.push(...(await listKind(this.#client, info, namespace, { signal: this.#signal })).objects);
      }
    }
    return live;
  }

  async apply(ordered: readonly { ref: ReturnType<typeof refOf>; object: KubeObject }[]): Promise<void> {
    const dryRun = this.#options.dryRun;
    const missing = new Set<string>();
    if (dryRun === 'server') {
      // The apiserver refuses a dry-run create in a namespace that does not exist yet: such objects are
      // validated in `default` instead (same schema, same admission apart from namespace-scoped policy).
      for (const namespace of namespacesOf(ordered.map((entry) => entry.object))) {
        const found = await this.#client.callOptional({ target: targetOf('', 'Namespace', 'get', undefined, namespace), signal: this.#signal });
        if (!found) missing.add(namespace);
      }
    }
    const prefix = dryRun === 'none' ? '' : `(dry run: ${dryRun}) `;
    for (const { object } of ordered) {
      this.#signal.throwIfAborted();
      const namespace = object.metadata.namespace;
      const validateIn = namespace !== undefined && missing.has(namespace) ? 'default' : undefined;
      const result = await applyObject(this.#client, this.#resources, object, {
        onConflict: this.#options.onConflict,
        dryRun,
        deadline: this.#deadline,
        validateIn,
        signal: this.#signal,
      });
      this.#results.push(result);
      note(this.#streams, `${prefix}${result.outcome} ${describeRef(result.ref)}${result.message ? `: ${result.message}` : ''}`);
    }
  }

  /**
   * Streams each planned volume to CDI's upload proxy: a v1alpha1 data file as it is, a v1alpha2 volume rebuilt from
   * its chunks with every chunk verified before its bytes are sent (the first bad one stops that volume, which is
   * reported failed). Chunks come before their index: from a file they are read back in place, from a pipe they wait
   * in a private temporary directory, removed before this returns. Entries no volume needs are read past.
   */
  async upload(input: Extract<LoadedInput, { type: 'bundle' }>, plan: DataPlan, earlier?: ChunkSource): Promise<void> {
    const byEntry = new Map(plan.uploads.map((upload) => [`${upload.entryNamespace}/${upload.entryVolume}`, upload]));
    const failedRefs = new Set(this.#results.filter((result) => result.outcome === 'failed').map((result) => refKey(result.ref)));
    const proxy = await locateUploadProxy(this.#client, {
      url: this.#options.uploadProxyUrl,
      caFile: this.#options.uploadProxyCa,
      kubeconfig: this.#options.kubeconfig,
      context: this.#options.context,
    });
    const chunks = new ChunkCollector({ file: input.file });
    // A chain's last bundle names unchanged chunks its predecessors store: they are looked up there, newest first.
    const source: ChunkSource = earlier ? { read: async (sha256) => (await chunks.read(sha256)) ?? earlier.read(sha256) } : chunks;
    try {
      for await (const entry of input.reader.dataEntries()) {
        this.#signal.throwIfAborted();
        if (entry.kind === 'chunk') {
          await chunks.add(entry);
          continue;
        }
        const key = entry.kind === 'file' ? `${entry.namespace}/${entry.volume}` : `${entry.index.namespace}/${entry.index.volume}`;
        const upload = byEntry.get(key);
        if (!upload) continue;
        byEntry.delete(key);
        const onDigest = earlier ? (sha256: string) => note(this.#streams, `volume ${key} rebuilt from the chain: sha256 ${sha256}`) : undefined;
        const body =
          entry.kind === 'file'
            ? { stream: entry.stream, size: entry.size, format: entry.format }
            : { stream: Readable.from(readVolume(entry.index, source, { path: entry.path, source: input.source, ...(onDigest ? { onDigest } : {}) })), size: entry.index.size, format: entry.index.format };
        await this.#uploadVolume(proxy, upload, body, failedRefs);
      }
    } finally {
      await chunks.close();
      if (chunks.peakSpoolBytes > 0) note(this.#streams, `restore: chunks waiting for their index took at most ${formatBytes(chunks.peakSpoolBytes)} in a temporary directory (removed)`);
    }
    for (const left of byEntry.values()) this.#volumes.push({ namespace: left.namespace, name: left.name, source: 'bundle', outcome: 'failed', message: 'the bundle has no data entry for it' });
  }

  async #uploadVolume(proxy: UploadProxy, upload: DataPlan['uploads'][number], body: { stream: Readable; size: number; format: string }, failedRefs: ReadonlySet<string>): Promise<void> {
    const { namespace, name } = upload;
    const volume = { namespace, name, source: 'bundle' as const };
    if (failedRefs.has(refKey({ group: 'cdi.kubevirt.io', kind: 'DataVolume', namespace, name }))) {
      this.#volumes.push({ ...volume, outcome: 'failed', message: 'its DataVolume was not restored' });
      body.stream.destroy();
      return;
    }
    try {
      if (!(await waitUploadReady(this.#client, namespace, name, this.#deadline, this.#signal))) {
        this.#volumes.push({ ...volume, outcome: 'unchanged', message: 'the DataVolume already Succeeded' });
        note(this.#streams, `unchanged volume ${namespace}/${name}: its DataVolume already holds the data`);
        body.stream.destroy();
        return;
      }
      const token = await requestUploadToken(this.#client, namespace, name, this.#signal);
      note(this.#streams, `uploading ${body.size} bytes (${body.format}${upload.contentType === 'archive' ? ', unpacked by CDI into the claim' : ''}) into ${namespace}/${name}`);
      const started = performance.now();
      await uploadData(proxy, token, body.stream, body.size, `${namespace}/${name}`, this.#signal);
      const seconds = (performance.now() - started) / 1000;
      note(this.#streams, `uploaded ${body.size} bytes into ${namespace}/${name} in ${seconds.toFixed(2)} s (${(body.size / 1024 ** 2 / Math.max(seconds, 0.001)).toFixed(0)} MiB/s)`);
      this.#volumes.push({ ...volume, outcome: 'uploaded', bytes: body.size });
    } catch (error) {
      if (!(error instanceof ClusterError) && !(error instanceof BundleInputError)) throw error;
      // A bad chunk stops the volume before its bytes are sent: the upload is cut short and the volume reported failed.
      if (error instanceof BundleInputError) this.#badData = true;
      this.#volumes.push({ ...volume, outcome: 'failed', message: error.message });
      note(this.#streams, `failed volume ${namespace}/${name}: ${error.message}`);
    }
  }

  /** Dry runs and export-url restores: the volumes as planned, for the summary. */
  recordPlannedVolumes(prepared: Prepared): void {
    for (const upload of prepared.data.uploads) this.#volumes.push({ namespace: upload.namespace, name: upload.name, source: 'bundle', outcome: 'configured', message: upload.contentType === 'archive' ? 'would be uploaded as an archive' : 'would be uploaded' });
    for (const imported of prepared.data.imports) this.#volumes.push({ namespace: imported.namespace, name: imported.name, source: 'export-url', outcome: 'configured', message: imported.url });
  }

  /** `--wait`: PVCs Bound, DataVolumes Succeeded, VMs in the state of their runStrategy. */
  async waitForState(): Promise<void> {
    const restored = this.#results.filter((result) => result.outcome !== 'failed' && result.outcome !== 'skipped');
    for (const info of WAITED_KINDS) {
      const kind = info.kind;
      const names = new Map<string, string[]>();
      for (const { ref } of restored) if (ref.kind === kind && ref.group === info.group) names.set(ref.namespace, [...(names.get(ref.namespace) ?? []), ref.name]);
      if (names.size === 0) continue;
      note(this.#streams, `waiting for ${[...names.values()].flat().length} ${kind}${[...names.values()].flat().length === 1 ? '' : 's'}`);
      try {
        const result = await waitForAll(this.#client, {
          kind: info,
          names,
          labelSelector: '',
          deadline: this.#deadline,
          progress: progressOf,
          signal: this.#signal,
          onSettled: (object, progress) => note(this.#streams, `${progress.state === 'done' ? 'ready' : 'failed'} ${describeRef(refOf(object))}${progress.state === 'failed' ? `: ${progress.reason}` : ''}`),
        });
        for (const failed of result.failed) this.#waitFailures.push(`${kind} ${failed.namespace}/${failed.name}: ${failed.reason}`);
      } catch (error) {
        if (!(error instanceof ClusterError)) throw error;
        this.#waitFailures.push(error.message, ...error.details);
      }
    }
  }

  /** Prints the summary (stdout) and fails (exit 3) when any object, volume or wait failed, after printing it. */
  report(): void {
    const summary = summarise(this.#results, this.#options.dryRun, this.#volumes);
    this.#streams.stdout.write(this.#options.output === 'json' ? toJson(summary) : `${formatSummary(summary).join('\n')}\n`);
    const failedVolumes = summary.volumes.filter((volume) => volume.outcome === 'failed');
    const problems = [
      ...summary.objects.filter((result) => result.outcome === 'failed').map((result) => `${describeRef(result.ref)}: ${result.message ?? 'failed'}`),
      ...failedVolumes.map((volume) => `volume ${volume.namespace}/${volume.name}: ${volume.message ?? 'failed'}`),
      ...this.#waitFailures,
    ];
    if (problems.length > 0) {
      const message = `restore incomplete: ${problems.length} problem${problems.length === 1 ? '' : 's'} (fix them and run the same restore again; what is done is left unchanged)`;
      if (this.#badData) throw new InputError(message, problems);
      throw new ClusterError(message, problems);
    }
  }
}

/** With several `-f` that are all bundle files: the chain, read and verified; otherwise undefined (manifests). */
async function readChainIfGiven(filenames: readonly string[]): Promise<ScannedBundle[] | undefined> {
  if (filenames.length < 2 || filenames.includes('-')) return undefined;
  const bundles = await Promise.all(filenames.map(isBundleFile));
  if (!bundles.some(Boolean)) return undefined;
  const notBundle = filenames.find((_, i) => !bundles[i]);
  if (notBundle !== undefined) throw new InputError(`${notBundle}: not a bundle; several -f with bundles name an incremental chain, oldest first, all bundle files`);
  return readChain(filenames);
}

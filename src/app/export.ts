// `export`: discover VMs on a cluster, build their graph, optionally quiesce → snapshot → thaw, export, download, write a bundle.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BUNDLE_FORMAT_VERSION, FORMAT_NAME, type BundleHeader, type ExportRecord, type Selection, type SourceCluster } from '../bundle/documents.ts';
import { volumeIndexPath } from '../bundle/layout.ts';
import { ClusterError, UsageError } from '../errors.ts';
import { buildGraph } from '../graph/index.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { Kinds } from '../model/kinds.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { compareRefs, describeRef, refKey, type ObjectRef } from '../model/object-ref.ts';
import { openOutput } from '../io/files/output.ts';
import { note, type StdStreams } from '../io/term/streams.ts';
import { TOOL_VERSION } from '../version.ts';
import type { ExportOptions } from './options.ts';
import { closure, planQuiesce, selectRoots, virtualMachinesOf, withRevisionNames, type QuiesceDecision } from './export-selection.ts';
import { installInterrupt, type Interrupt } from './interrupt.ts';

// Loaded only here, so that offline commands never load @kubernetes/client-node.
type Cluster = typeof import('../io/cluster/index.ts');

/** Annotations recording, on each exported VM, how its snapshot was taken. */
export const RecordAnnotations = {
  quiesced: 'kubectl-kvbackup/quiesced',
  snapshot: 'kubectl-kvbackup/snapshot',
  sourceIndications: 'kubectl-kvbackup/source-indications',
} as const;

export async function runExport(options: ExportOptions, streams: StdStreams): Promise<void> {
  checkFlags(options);
  const cluster: Cluster = await import('../io/cluster/index.ts');
  const verbose = (message: string) => {
    if (options.verbose) note(streams, message);
  };
  const client = cluster.connect({ kubeconfig: options.kubeconfig, context: options.context, onRetry: verbose });
  const namespace = options.namespace ?? client.namespace;
  const interrupt = installInterrupt((signal, first) =>
    note(streams, first ? `${signal}: stopping; thawing guests and deleting what this run created` : `${signal}: still cleaning up (guests are thawed first)`),
  );
  const timer = options.timeoutSeconds > 0 ? setTimeout(() => interrupt.abort(new ClusterError(`export timed out after ${options.timeoutSeconds}s (--timeout)`)), options.timeoutSeconds * 1000) : undefined;
  const run = new ExportRun(cluster, client, options, streams, interrupt);
  try {
    await run.execute(namespace);
  } catch (error) {
    throw interrupt.signal.aborted && interrupt.received ? new ClusterError(`export interrupted by ${interrupt.received}; no bundle was written`) : error;
  } finally {
    clearTimeout(timer);
    if (options.verbose) note(streams, `kvbackup: ${client.requestCount} API request${client.requestCount === 1 ? '' : 's'} (${client.retryCount} retries), ${run.exportServerRequests} export-server request${run.exportServerRequests === 1 ? '' : 's'}`);
    interrupt.finish();
  }
}

function checkFlags(options: ExportOptions): void {
  if (options.withData && !options.export) throw new UsageError('--with-data needs --export (the data is downloaded from the VirtualMachineExport)');
  if (options.includeToken && !options.export) throw new UsageError('--include-token needs --export');
  if (options.allNamespaces && options.namespace !== undefined) throw new UsageError('--namespace and --all-namespaces cannot be combined');
  if (options.allNamespaces && options.names.length > 0) throw new UsageError('VM names cannot be combined with --all-namespaces');
  if (options.names.length > 0 && options.selector) throw new UsageError('give VM names or a label selector (-l), not both');
  if (options.unfreezeTimeoutSeconds <= 0) throw new UsageError('--unfreeze-timeout must be positive: 0 would disable the guest\'s safety thaw');
}

/** One VM's progress through quiesce, snapshot and export. */
interface VmRun {
  vm: ObjectRef;
  quiesce: QuiesceDecision | undefined;
  quiesced: boolean;
  snapshotName?: string;
  snapshot?: import('../io/cluster/index.ts').SnapshotRecord;
  created?: import('../io/cluster/index.ts').CreatedExport;
  record?: ExportRecord;
}

class ExportRun {
  readonly #cluster: Cluster;
  readonly #client: InstanceType<Cluster['ClusterClient']>;
  readonly #options: ExportOptions;
  readonly #streams: StdStreams;
  readonly #interrupt: Interrupt;
  readonly #runId: string;
  readonly #ledger: InstanceType<Cluster['ThawLedger']>;
  /** Deletions of what this run created, in creation order (run in reverse). */
  readonly #cleanups: { what: string; run: () => Promise<void> }[] = [];
  exportServerRequests = 0;
  /** Volumes downloaded ahead into temporary files, by data entry path. */
  readonly #spooled = new Map<string, { file: string; size: number; sha256: string }>();
  #spoolDir: string | undefined;
  #thawReported = false;

  constructor(cluster: Cluster, client: InstanceType<Cluster['ClusterClient']>, options: ExportOptions, streams: StdStreams, interrupt: Interrupt) {
    this.#cluster = cluster;
    this.#client = client;
    this.#options = options;
    this.#streams = streams;
    this.#interrupt = interrupt;
    this.#runId = cluster.newRunId();
    this.#ledger = new cluster.ThawLedger((vmi) => cluster.unfreezeVmi(client, vmi));
  }

  get #signal(): AbortSignal {
    return this.#interrupt.signal;
  }

  async execute(namespace: string): Promise<void> {
    const options = this.#options;
    const namespaces = options.allNamespaces ? undefined : [namespace];
    const [discovery, facts, labelled] = await Promise.all([
      this.#cluster.discover(this.#client, { namespaces, signal: this.#signal }),
      this.#cluster.readClusterFacts(this.#client, this.#signal),
      options.selector ? this.#cluster.listSelectedRoots(this.#client, namespaces, options.selector, this.#signal) : Promise.resolve(undefined),
    ]);
    for (const kind of discovery.unserved) this.#verbose(`not served by the cluster (CRD not installed): ${kind}`);
    for (const kind of discovery.forbidden) {
      this.#note(`warning: not allowed to list ${kind} cluster-wide: they stay external references (bind the role with a ClusterRoleBinding to include them)`);
    }
    const full = buildGraph(discovery.index);
    const roots = selectRoots(full, { names: options.names, namespace, labelled });
    if (roots.length === 0) {
      const where = options.allNamespaces ? 'in any namespace' : `in namespace ${namespace}`;
      throw new ClusterError(`nothing to export: no VirtualMachine, standalone VMI, replica set or pool ${where}${options.selector ? ` matches -l ${options.selector}` : ''}`);
    }
    const refs = closure(full, roots).filter((ref) => discovery.index.has(ref));
    const vms = virtualMachinesOf(refs, discovery.index).map((vm): VmRun => ({ vm, quiesce: undefined, quiesced: false }));
    if (options.snapshot) planQuiesce(discovery.index, vms.map((run) => run.vm), options.quiesce).forEach((decision, i) => ((vms[i] as VmRun).quiesce = decision));

    if (options.dryRun) {
      this.#printPlan(refs, roots, vms, facts);
      return;
    }
    // Opened before anything changes on the cluster: a refused terminal or an unwritable path fails first.
    const output = await openOutput(options.outputFile, this.#streams, { binary: true });
    try {
      try {
        if (options.snapshot) await this.#snapshotAll(vms);
        if (options.export) await this.#exportAll(vms);
        if (options.withData) await this.#probeData(vms);
        await this.#writeBundle(output.stream, discovery.index, refs, vms, facts, { namespaces, names: options.names, selector: options.selector });
        await output.commit();
      } catch (error) {
        await output.abort();
        throw error;
      }
    } finally {
      await this.#thaw();
      await this.#cleanup();
      await this.removeSpool();
    }
  }

  /** Freeze (as planned) → snapshot all → wait → thaw, the thaw also on failure. */
  async #snapshotAll(vms: VmRun[]): Promise<void> {
    const options = this.#options;
    const toFreeze = vms.filter((run) => run.quiesce?.freeze);
    // Every guest is frozen before the first snapshot is created, so the snapshots of all selected VMs show their
    // disks as of one moment. The snapshot controller thaws each guest once its own volume snapshots exist.
    try {
      await Promise.all(
        toFreeze.map(async (run) => {
          const vmi = { namespace: run.vm.namespace, name: run.vm.name };
          this.#ledger.recordFreezing(vmi);
          await this.#cluster.freezeVmi(this.#client, vmi, options.unfreezeTimeoutSeconds, this.#signal);
          run.quiesced = true;
          this.#verbose(`froze ${vmi.namespace}/${vmi.name} (unfreezeTimeout ${options.unfreezeTimeoutSeconds}s)`);
        }),
      );
      const deadline = Date.now() + options.snapshotTimeoutSeconds * 1000;
      for (const run of vms) {
        const name = this.#cluster.objectName(this.#runId, run.vm.name, 253);
        this.#registerCleanup(`VirtualMachineSnapshot ${run.vm.namespace}/${name}`, () => this.#cluster.deleteSnapshot(this.#client, run.vm.namespace, name));
        run.snapshotName = await this.#cluster.createSnapshot(this.#client, this.#runId, run.vm.namespace, run.vm.name, options.snapshotTimeoutSeconds, this.#signal);
      }
      const result = await this.#cluster.waitForSnapshots(this.#client, this.#runId, namesByNamespace(vms, (run) => run.snapshotName), deadline, this.#signal);
      for (const run of vms) {
        const snapshot = result.objects.get(`${run.vm.namespace}/${run.snapshotName}`);
        run.snapshot = this.#cluster.snapshotRecord(run.vm.namespace, run.vm.name, run.snapshotName as string, snapshot);
      }
      if (result.failed.length > 0) {
        throw new ClusterError(
          `snapshot failed for ${result.failed.length} of ${vms.length} VM${vms.length === 1 ? '' : 's'}; every guest was thawed and every snapshot of this run is deleted`,
          result.failed.map((f) => `VirtualMachineSnapshot ${f.namespace}/${f.name}: ${f.reason}`),
        );
      }
    } finally {
      await this.#thaw();
    }
  }

  async #exportAll(vms: VmRun[]): Promise<void> {
    const options = this.#options;
    const deadline = Date.now() + options.exportTimeoutSeconds * 1000;
    for (const run of vms) {
      const names = this.#cluster.exportNames(this.#runId, run.vm.name);
      this.#registerCleanup(`VirtualMachineExport ${run.vm.namespace}/${names.exportName} and its token Secret`, () =>
        this.#cluster.deleteExport(this.#client, { namespace: run.vm.namespace, ...names }),
      );
      run.created = await this.#cluster.createExport(
        this.#client,
        this.#runId,
        { namespace: run.vm.namespace, vmName: run.vm.name, snapshotName: run.snapshotName },
        options.exportTtlSeconds,
        this.#signal,
      );
    }
    let result;
    try {
      result = await this.#cluster.waitForExports(this.#client, this.#runId, namesByNamespace(vms, (run) => run.created?.exportName), deadline, this.#signal);
    } catch (error) {
      if (error instanceof ClusterError && !options.snapshot) {
        throw new ClusterError(error.message, [...error.details, 'an export of a running VM stays Pending: stop the VM, or pass --snapshot to export a snapshot']);
      }
      throw error;
    }
    if (result.failed.length > 0) {
      throw new ClusterError(`export failed for ${result.failed.length} VM${result.failed.length === 1 ? '' : 's'}`, result.failed.map((f) => `VirtualMachineExport ${f.namespace}/${f.name}: ${f.reason}`));
    }
    for (const run of vms) {
      const created = run.created as NonNullable<VmRun['created']>;
      run.record = this.#cluster.exportRecord(created, result.objects.get(`${created.namespace}/${created.exportName}`), options.includeToken);
    }
  }

  /** Lists in each export record the volumes whose data the bundle will hold, each by its volume index. */
  async #probeData(vms: VmRun[]): Promise<void> {
    for (const run of vms) {
      const record = run.record as ExportRecord;
      for (const source of this.#cluster.chooseVolumeSources(record.links)) {
        record.data.push({ volume: source.volume, format: source.format === 'tar.gz' ? 'archive' : 'raw', path: volumeIndexPath(record.namespace, source.volume) });
      }
      if (record.data.length === 0) this.#note(`${describeRef(run.vm)}: its export lists no volume to download`);
    }
  }

  #downloadOptions(run: VmRun) {
    return {
      token: (run.created as NonNullable<VmRun['created']>).token,
      signal: this.#signal,
      onRetry: (message: string) => this.#verbose(message),
      onRequest: () => void this.exportServerRequests++,
    };
  }

  async #writeBundle(
    out: NodeJS.WritableStream,
    index: ObjectIndex,
    refs: ObjectRef[],
    vms: VmRun[],
    facts: SourceCluster,
    selection: { namespaces: string[] | undefined; names: string[]; selector: string | undefined },
  ): Promise<void> {
    const { createBundleWriter } = await import('../io/tar/bundle-writer.ts');
    const byVm = new Map(vms.map((run) => [refKey(run.vm), run]));
    const objects = refs
      .map((ref) => {
        const object = index.get(ref) as KubeObject;
        const run = byVm.get(refKey(ref));
        return { ref, object: run ? this.#recorded(withRevisionNames(object), run) : object };
      })
      .sort((a, b) => compareRefs(a.ref, b.ref));
    const exported = new ObjectIndex(objects.map(({ object }) => ({ object })));
    const graph = buildGraph(exported);
    const records = vms.flatMap((run) => (run.record ? [run.record] : [])).sort((a, b) => (a.namespace + '\u0000' + a.vmName < b.namespace + '\u0000' + b.vmName ? -1 : 1));
    const sel: Selection = {};
    if (selection.namespaces) sel.namespaces = selection.namespaces;
    else sel.allNamespaces = true;
    if (selection.names.length > 0) sel.names = [...selection.names].sort();
    if (selection.selector) sel.selector = selection.selector;
    const header: BundleHeader = {
      format: FORMAT_NAME,
      formatVersion: BUNDLE_FORMAT_VERSION,
      toolVersion: TOOL_VERSION,
      createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      source: facts,
      selection: sel,
      contents: { objects: objects.length, exports: records.length, data: records.reduce((n, r) => n + r.data.length, 0) },
    };
    const writer = createBundleWriter(out as never, { includeToken: this.#options.includeToken, end: this.#options.outputFile !== '-' });
    try {
      await writer.writeHeader(header);
      await writer.writeGraph(graph);
      for (const { ref, object } of objects) await writer.writeObject(ref, object);
      for (const record of records) await writer.writeExport(record);
      for (const run of vms) await this.#writeData(writer, run);
      await writer.finish();
    } catch (error) {
      writer.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  /** Downloads each volume (inflating gzip and tar.gz) straight into chunks, then writes its index. */
  async #writeData(writer: import('../io/tar/bundle-writer.ts').BundleWriter, run: VmRun): Promise<void> {
    if (!run.record) return;
    const { writeVolume } = await import('../io/chunks/write-volume.ts');
    const sources = this.#cluster.chooseVolumeSources(run.record.links);
    for (const item of run.record.data) {
      const source = sources.find((s) => s.volume === item.volume);
      if (!source) throw new ClusterError(`volume ${item.volume} vanished from the export of ${describeRef(run.vm)}`);
      const download = await this.#cluster.openDownload(source, this.#downloadOptions(run));
      const progress = this.#cluster.progressReporter(this.#streams.stderr, `${run.vm.namespace}/${item.volume} (${source.format})`, download.size ?? 0);
      const compressed = source.format === 'gzip' || source.format === 'tar.gz';
      const bytes = compressed ? Readable.from(progress.track(download.chunks)).pipe(createGunzip()) : progress.track(download.chunks);
      const index = await writeVolume(writer, { namespace: run.record.namespace, volume: item.volume, format: item.format === 'archive' ? 'archive' : 'raw', ...(compressed || download.size === undefined ? {} : { size: download.size }) }, bytes);
      progress.done();
      this.#verbose(`stored ${item.path}: ${index.size} bytes in ${index.extents.length} extents, sha256 ${index.sha256}`);
    }
  }

  /** Downloads a body of unknown size into a file only this user can read; progress as it goes. */
  async #spool(download: import('../io/cluster/index.ts').Download, label: string): Promise<{ file: string; size: number; sha256: string }> {
    this.#spoolDir ??= await mkdtemp(join(tmpdir(), 'kvbackup-'));
    const file = join(this.#spoolDir, `volume-${this.#spooled.size}`);
    const progress = this.#cluster.progressReporter(this.#streams.stderr, label, 0);
    let size = 0;
    const counted = async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        size += chunk.length;
        yield chunk;
      }
    };
    await pipeline(Readable.from(counted(progress.track(download.chunks))), createWriteStream(file, { mode: 0o600 }), { signal: this.#signal });
    progress.done();
    return { file, size, sha256: download.sha256() };
  }

  /** Removes the spooled volume files. */
  async removeSpool(): Promise<void> {
    if (this.#spoolDir) await rm(this.#spoolDir, { recursive: true, force: true });
  }

  /** The VM with how its snapshot was taken, when it was. */
  #recorded(vm: KubeObject, run: VmRun): KubeObject {
    if (!run.snapshot) return vm;
    const annotations = {
      ...(vm.metadata.annotations ?? {}),
      [RecordAnnotations.quiesced]: String(run.quiesced),
      [RecordAnnotations.snapshot]: run.snapshot.snapshotName,
      [RecordAnnotations.sourceIndications]: run.snapshot.sourceIndications.map((s) => s.indication).join(','),
    };
    return { ...vm, metadata: { ...vm.metadata, annotations } };
  }

  async #thaw(): Promise<void> {
    const outcomes = await this.#ledger.thawAll();
    if (this.#thawReported) return;
    this.#thawReported = true;
    for (const outcome of outcomes) {
      if (outcome.error) this.#note(`warning: thaw of ${outcome.vmi.namespace}/${outcome.vmi.name} failed (${outcome.error}); its unfreezeTimeout (${this.#options.unfreezeTimeoutSeconds}s) thaws it`);
      else this.#verbose(`thawed ${outcome.vmi.namespace}/${outcome.vmi.name}`);
    }
  }

  #registerCleanup(what: string, run: () => Promise<void>): void {
    this.#cleanups.push({ what, run });
  }

  async #cleanup(): Promise<void> {
    const cleanups = this.#cleanups.splice(0).reverse();
    if (this.#options.keep) {
      for (const { what } of cleanups) this.#note(`kept ${what} (--keep)`);
      return;
    }
    // Exports first (they may read the snapshots), then snapshots; failures are reported, not thrown.
    for (const { what, run } of cleanups) {
      try {
        await run();
        this.#verbose(`deleted ${what}`);
      } catch (error) {
        this.#note(`warning: could not delete ${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  #printPlan(refs: ObjectRef[], roots: ObjectRef[], vms: VmRun[], facts: SourceCluster): void {
    const options = this.#options;
    const lines = [`dry run: nothing is changed on ${facts.server ?? 'the cluster'}`, `roots (${roots.length}):`, ...roots.map((r) => `  ${describeRef(r)}`)];
    lines.push(`objects that would be exported (${refs.length}):`, ...refs.map((r) => `  ${describeRef(r)}`));
    if (options.snapshot) {
      lines.push(`guests that would be frozen (--quiesce ${options.quiesce}, unfreezeTimeout ${options.unfreezeTimeoutSeconds}s):`);
      for (const run of vms) lines.push(`  ${run.quiesce?.freeze ? 'freeze' : 'skip  '} ${describeRef({ ...Kinds.VirtualMachineInstance, namespace: run.vm.namespace, name: run.vm.name })}: ${run.quiesce?.reason ?? ''}`);
      lines.push(`VirtualMachineSnapshots that would be created (${vms.length}):`, ...vms.map((run) => `  ${run.vm.namespace}/${run.vm.name}`));
    }
    if (options.export) {
      lines.push(`VirtualMachineExports that would be created (${vms.length}, from ${options.snapshot ? 'the snapshots' : 'the VMs'}):`, ...vms.map((run) => `  ${run.vm.namespace}/${run.vm.name}`));
      if (options.withData) lines.push('volume data would be downloaded into the bundle (--with-data)');
    }
    this.#streams.stdout.write(`${lines.join('\n')}\n`);
  }

  #note(message: string): void {
    note(this.#streams, message);
  }

  #verbose(message: string): void {
    if (this.#options.verbose) note(this.#streams, message);
  }
}

function namesByNamespace(vms: VmRun[], name: (run: VmRun) => string | undefined): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const run of vms) {
    const value = name(run);
    if (!value) continue;
    const list = map.get(run.vm.namespace);
    if (list) list.push(value);
    else map.set(run.vm.namespace, [value]);
  }
  return map;
}

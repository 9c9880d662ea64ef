// `export`: discover VMs on a cluster, build their graph, optionally quiesce → snapshot → thaw, export, download, write a bundle.

import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { BUNDLE_FORMAT_VERSION, FORMAT_NAME, type BundleHeader, type ExportRecord, type Selection, type SourceCluster } from '../bundle/documents.ts';
import { ClusterError, UsageError } from '../errors.ts';
import { buildGraph } from '../graph/index.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { Kinds } from '../model/kinds.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { compareRefs, describeRef, refKey, type ObjectRef } from '../model/object-ref.ts';
import { openJournal, type ExportJournal, type JournalHeader } from '../io/files/export-journal.ts';
import { openOutput } from '../io/files/output.ts';
import { openPartialBundle, resumePaths, type PartialBundleFile } from '../io/files/partial-bundle.ts';
import { note, type StdStreams } from '../io/term/streams.ts';
import { TOOL_VERSION } from '../version.ts';
import { MAX_PARALLEL, type ExportOptions } from './options.ts';
import { closure, planQuiesce, selectRoots, virtualMachinesOf, withRevisionNames, type QuiesceDecision } from './export-selection.ts';
import { installInterrupt, type Interrupt } from './interrupt.ts';
import { describeOutcome, planVolumes, writeVolumeData, type VolumePlan } from './export-data.ts';
import { readPartialExport, replayPartialExport, type PartialExport } from './export-resume.ts';
import type { IncrementalContext } from './export-incremental.ts';
import { closeChain, scanBundle, type ScannedBundle } from './chain-input.ts';

/** The backups of an --incremental run, once they are ready: what the bundle's header, records and data come from. */
interface IncrementalBackups {
  context: IncrementalContext;
  runs: Awaited<ReturnType<typeof import('./export-incremental.ts').startBackups>>;
}

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
    const kept = run.keptForResume ? `; the partial export is kept: run the same command with --resume to continue it` : '';
    if (interrupt.signal.aborted && interrupt.received) throw new ClusterError(`export interrupted by ${interrupt.received}; no bundle was written${kept}`);
    if (kept && error instanceof ClusterError) throw new ClusterError(`${error.message}${kept}`, error.details);
    throw error;
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
  if (options.resume && !options.withData) throw new UsageError('--resume needs --with-data (only volume data is resumed)');
  if (options.resume && options.outputFile === '-') throw new UsageError('--resume needs --output-file <path>: a stream to stdout cannot be continued');
  if (options.base !== undefined && !options.incremental) throw new UsageError('--base needs --incremental');
  if (options.incremental && options.resume) throw new UsageError('--incremental cannot be combined with --resume (an interrupted incremental run is followed by a full one)');
  if (!Number.isSafeInteger(options.parallel) || options.parallel < 1 || options.parallel > MAX_PARALLEL) throw new UsageError(`--parallel must be a whole number from 1 to ${MAX_PARALLEL}`);
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
  #runId: string;
  readonly #ledger: InstanceType<Cluster['ThawLedger']>;
  /** Deletions of what this run created, in creation order (run in reverse). */
  readonly #cleanups: { what: string; run: () => Promise<void> }[] = [];
  exportServerRequests = 0;
  /** Set when a --with-data run failed after its journal was written: the partial bundle, journal, snapshots and exports stay for --resume. */
  keptForResume = false;
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
    if (options.withData && options.outputFile !== '-' && (await this.#resumeIfAsked(namespace))) return;
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
    // The base is read through (and its digest computed) before anything changes on the cluster.
    const base = options.base !== undefined ? await scanBundle(options.base, { keepChunks: false }) : undefined;
    // Opened before anything changes on the cluster: a refused terminal or an unwritable path fails first.
    const output = options.withData && options.outputFile !== '-' && !options.incremental ? await this.#openResumable() : await openOutput(options.outputFile, this.#streams, { binary: true });
    try {
      try {
        const backups = options.incremental ? await this.#startIncremental(vms, discovery.index, base) : undefined;
        if (options.snapshot && !backups) await this.#snapshotAll(vms);
        if (options.export && !backups) await this.#exportAll(vms);
        const plans = options.withData && !backups ? this.#planData(vms) : [];
        if (output instanceof ResumableOutput) await output.startJournal(this.#journalHeader(namespace, vms));
        await this.#writeBundle(output, discovery.index, refs, vms, facts, { namespaces, names: options.names, selector: options.selector }, plans, backups);
        await output.commit();
      } catch (error) {
        await output.abort();
        if (output instanceof ResumableOutput && output.kept) this.#keepForResume(output);
        throw error;
      }
    } finally {
      await this.#thaw();
      await this.#cleanup();
      if (base) await closeChain([base]);
    }
  }

  /**
   * `--incremental`: one pull-mode backup per VM through KubeVirt's backup API (export-incremental.ts), or undefined
   * after one warning line when the API or changed block tracking cannot serve them (the run is then a full
   * snapshot + export).
   */
  async #startIncremental(vms: VmRun[], index: ObjectIndex, base: ScannedBundle | undefined): Promise<IncrementalBackups | undefined> {
    const incremental = await import('./export-incremental.ts');
    const objects = vms.map((run) => ({ ref: run.vm, object: index.get(run.vm) as KubeObject }));
    const unsupported = await incremental.incrementalUnsupported(this.#cluster, this.#client, objects.map((o) => o.object), this.#signal);
    if (unsupported) {
      this.#note(`warning: --incremental: ${unsupported}; making a full export (snapshot, export, data) instead`);
      return undefined;
    }
    const context: IncrementalContext = {
      cluster: this.#cluster,
      client: this.#client,
      runId: this.#runId,
      signal: this.#signal,
      base,
      skipQuiesce: this.#options.quiesce === 'never',
      ttlSeconds: this.#options.exportTtlSeconds,
      exportTimeoutSeconds: this.#options.exportTimeoutSeconds,
      parallel: this.#options.parallel,
      includeToken: this.#options.includeToken,
      note: (message) => this.#note(message),
      verbose: (message) => this.#verbose(message),
      registerCleanup: (what, run) => this.#registerCleanup(what, run),
      onRequest: () => void this.exportServerRequests++,
    };
    const runs = await incremental.startBackups(context, objects);
    return { context, runs };
  }

  /**
   * A --with-data export to a file writes `<file>.partial` and, once its exports are Ready, a journal beside it. An
   * earlier interrupted export of the same file is replaced (with a note: --resume continues it instead).
   */
  async #openResumable(): Promise<ResumableOutput> {
    const paths = resumePaths(this.#options.outputFile);
    const stale = await readPartialExport(paths).catch(() => undefined);
    if (stale && !('missing' in stale)) {
      this.#note(`warning: replacing the interrupted export at ${paths.partial} (run ${stale.state.header.runId}; --resume would continue it); its exports stay until their TTL and its snapshots until deleted: \`kubectl delete virtualmachinesnapshots,virtualmachineexports -A -l ${this.#cluster.runSelector(stale.state.header.runId)}\``);
    }
    await removeQuietly(paths.partial);
    await removeQuietly(paths.journal);
    return new ResumableOutput(paths, this.#options.outputFile, await openPartialBundle(paths.partial));
  }

  /** The journal's first line: the run and its exports (with their tokens: the journal is 0600 and removed at the end). */
  #journalHeader(namespace: string, vms: VmRun[]): JournalHeader {
    const options = this.#options;
    return {
      kind: 'kubectl-kvbackup/export-journal',
      version: 1,
      runId: this.#runId,
      startedAt: new Date().toISOString(),
      selection: { namespace, allNamespaces: options.allNamespaces, names: [...options.names].sort(), selector: options.selector },
      includeToken: options.includeToken,
      exports: vms.flatMap((run) =>
        run.created ? [{ namespace: run.created.namespace, vmName: run.created.vmName, exportName: run.created.exportName, secretName: run.created.secretName, token: run.created.token, snapshotName: run.snapshotName }] : [],
      ),
    };
  }

  /** After a failure past the journal: the snapshots and exports stay for --resume; says what stays and for how long. */
  #keepForResume(output: ResumableOutput): void {
    this.keptForResume = true;
    const kept = this.#cleanups.splice(0);
    const expiry = new Date(Date.now() + this.#options.exportTtlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.#note(`kept for --resume: ${output.paths.partial}, ${output.paths.journal} and ${kept.map((k) => k.what).join(', ')} (KubeVirt deletes the exports at their TTL, about ${expiry}; to discard instead: delete the two files and \`kubectl delete virtualmachinesnapshots,virtualmachineexports -A -l ${this.#cluster.runSelector(this.#runId)}\`)`);
  }

  /**
   * `--resume`: continues the interrupted export of the same output file when its journal, its partial bundle's
   * metadata and its VirtualMachineExports are all still there; the chunks it committed are reused and only the rest
   * is fetched. Otherwise it says why and returns false, and a new export starts (after deleting what the
   * interrupted run left on the cluster).
   */
  async #resumeIfAsked(namespace: string): Promise<boolean> {
    const options = this.#options;
    if (!options.resume) return false;
    const paths = resumePaths(options.outputFile);
    const partial = await readPartialExport(paths);
    if ('missing' in partial) {
      this.#note(`--resume: ${partial.missing}; starting a new export`);
      return false;
    }
    const header = partial.state.header;
    const selection = { namespace, allNamespaces: options.allNamespaces, names: [...options.names].sort(), selector: options.selector };
    if (JSON.stringify(selection) !== JSON.stringify({ ...header.selection, selector: header.selection.selector ?? undefined })) {
      throw new UsageError(`--resume: ${paths.partial} was started for another selection (${describeSelection(header.selection)}); run that command again, or remove ${paths.partial} and ${paths.journal}`);
    }
    const names = new Map<string, string[]>();
    for (const e of header.exports) names.set(e.namespace, [...(names.get(e.namespace) ?? []), e.exportName]);
    const gone = await this.#cluster
      .waitForExports(this.#client, header.runId, names, Date.now() + 15_000, this.#signal)
      .then((result) => result.failed.map((f) => `${f.namespace}/${f.name}: ${f.reason}`))
      .catch((error: unknown) => [error instanceof Error ? error.message : String(error)]);
    this.#runId = header.runId;
    for (const e of header.exports) {
      if (e.snapshotName) {
        const snapshotName = e.snapshotName;
        this.#registerCleanup(`VirtualMachineSnapshot ${e.namespace}/${snapshotName}`, () => this.#cluster.deleteSnapshot(this.#client, e.namespace, snapshotName));
      }
      this.#registerCleanup(`VirtualMachineExport ${e.namespace}/${e.exportName} and its token Secret`, () => this.#cluster.deleteExport(this.#client, { namespace: e.namespace, exportName: e.exportName, secretName: e.secretName }));
    }
    if (gone.length > 0) {
      this.#note(`--resume: the VirtualMachineExports of the interrupted run ${header.runId} are not usable any more (${gone.join('; ')}); deleting what it left and starting a new export`);
      await this.#cleanup();
      await removeQuietly(paths.partial);
      await removeQuietly(paths.journal);
      this.#runId = this.#cluster.newRunId();
      return false;
    }
    this.#verbose(`--resume: continuing run ${header.runId} from ${paths.partial} (${partial.keptBytes} bytes kept)`);
    await this.#continue(partial, paths);
    return true;
  }

  async #continue(partial: PartialExport, paths: { partial: string; journal: string }): Promise<void> {
    const { createBundleWriter } = await import('../io/tar/bundle-writer.ts');
    const header = partial.state.header;
    const reader = await open(paths.partial, 'r');
    const file = await openPartialBundle(paths.partial, partial.keptBytes);
    const output = new ResumableOutput(paths, this.#options.outputFile, file);
    let writer;
    try {
      try {
        await output.reopenJournal();
        writer = createBundleWriter(file.stream, { includeToken: header.includeToken });
        const replayed = await replayPartialExport(partial, writer, reader);
        const tokens = new Map(header.exports.map((e) => [`${e.namespace}/${e.vmName}`, e.token]));
        const plans = partial.records
          .flatMap((record) => planVolumes({ ...record, data: [] }, this.#cluster.volumeOffers(record.links), tokens.get(`${record.namespace}/${record.vmName}`) ?? ''))
          .filter((plan) => !replayed.complete.has(`${plan.namespace}/${plan.volume}`));
        await this.#writeData(writer, plans, output.journal, replayed);
        await writer.finish();
        await output.commit();
      } catch (error) {
        await writer?.close();
        await output.abort();
        if (output.kept) this.#keepForResume(output);
        throw error;
      }
    } finally {
      await reader.close();
      await this.#cleanup();
    }
  }

  /** The volumes of every export record (each record's `data` then lists their indexes). */
  #planData(vms: VmRun[]): VolumePlan[] {
    const plans: VolumePlan[] = [];
    for (const run of vms) {
      if (!run.record || !run.created) continue;
      const planned = planVolumes(run.record, this.#cluster.volumeOffers(run.record.links), run.created.token);
      if (planned.length === 0) this.#note(`${describeRef(run.vm)}: its export lists no volume to download`);
      plans.push(...planned);
    }
    return plans;
  }

  /** The data section: every planned volume fetched into chunks (see export-data.ts), then one verbose line each. */
  async #writeData(writer: import('../io/tar/bundle-writer.ts').BundleWriter, plans: VolumePlan[], journal: ExportJournal | undefined, replayed?: Awaited<ReturnType<typeof replayPartialExport>>): Promise<void> {
    const outcomes = await writeVolumeData(writer, plans, {
      parallel: this.#options.parallel,
      signal: this.#signal,
      journal,
      reuse: replayed?.reuse,
      replayedRefs: replayed?.refs,
      fetch: this.#cluster.fetchVolumes,
      onRequest: () => void this.exportServerRequests++,
      onRetry: (message) => this.#verbose(message),
      progress: (label, size) => this.#cluster.progressReporter(this.#streams.stderr, label, size ?? 0),
    });
    for (const outcome of outcomes) this.#verbose(describeOutcome(outcome));
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

  async #writeBundle(
    output: { stream: Writable } | ResumableOutput,
    index: ObjectIndex,
    refs: ObjectRef[],
    vms: VmRun[],
    facts: SourceCluster,
    selection: { namespaces: string[] | undefined; names: string[]; selector: string | undefined },
    plans: VolumePlan[],
    backups?: IncrementalBackups,
  ): Promise<void> {
    const incremental = backups ? await import('./export-incremental.ts') : undefined;
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
    const records = (backups && incremental ? incremental.recordsOf(backups.runs) : vms.flatMap((run) => (run.record ? [run.record] : []))).sort((a, b) => (a.namespace + '\u0000' + a.vmName < b.namespace + '\u0000' + b.vmName ? -1 : 1));
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
    if (backups && incremental) header.backup = incremental.backupInfo(backups.runs, backups.context.base);
    const writer = createBundleWriter(output.stream, { includeToken: this.#options.includeToken, end: this.#options.outputFile !== '-' });
    try {
      await writer.writeHeader(header);
      await writer.writeGraph(graph);
      for (const { ref, object } of objects) await writer.writeObject(ref, object);
      for (const record of records) await writer.writeExport(record);
      const journal = output instanceof ResumableOutput ? output.journal : undefined;
      if (journal) {
        journal.metadataComplete();
        await journal.flush();
      }
      if (plans.length > 0) await this.#writeData(writer, plans, journal);
      if (backups && incremental) {
        const outcomes = await incremental.writeBackupData(backups.context, writer, backups.runs);
        for (const outcome of outcomes) this.#verbose(incremental.describeBackupOutcome(outcome));
      }
      await writer.finish();
    } catch (error) {
      // Past the journal, every complete entry reaches the partial file for --resume; before it, nothing is kept.
      if (output instanceof ResumableOutput && output.journal) await writer.close();
      else writer.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
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

/**
 * The bundle of a --with-data export to a file: `<file>.partial` and, from the moment the exports are Ready, its
 * journal. Success renames the partial file into place and removes the journal; a failure after the journal exists
 * keeps both (and the run's snapshots and exports) for --resume, a failure before it removes the partial file.
 */
class ResumableOutput {
  readonly paths: { partial: string; journal: string };
  readonly #target: string;
  readonly #file: PartialBundleFile;
  journal: ExportJournal | undefined;
  kept = false;

  constructor(paths: { partial: string; journal: string }, target: string, file: PartialBundleFile) {
    this.paths = paths;
    this.#target = target;
    this.#file = file;
  }

  get stream(): Writable {
    return this.#file.stream;
  }

  async startJournal(header: JournalHeader): Promise<void> {
    this.journal = await openJournal(this.paths.journal, header, { beforeFlush: () => this.#file.sync() });
  }

  /** A resumed run appends to the interrupted run's journal. */
  async reopenJournal(): Promise<void> {
    this.journal = await openJournal(this.paths.journal, undefined, { beforeFlush: () => this.#file.sync() });
  }

  async commit(): Promise<void> {
    await this.#file.commit(this.#target);
    await this.journal?.remove();
  }

  async abort(): Promise<void> {
    if (!this.journal) {
      await this.#file.remove();
      return;
    }
    // Whatever reached the file is described by the journal once both are synced.
    await this.#file.sync().catch(() => {});
    await this.journal.flush().catch(() => {});
    await this.journal.close();
    await this.#file.close();
    this.kept = true;
  }
}

async function removeQuietly(path: string): Promise<void> {
  const { unlink } = await import('node:fs/promises');
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

function describeSelection(selection: JournalHeader['selection']): string {
  if (selection.allNamespaces) return `-A${selection.selector ? ` -l ${selection.selector}` : ''}`;
  return `-n ${selection.namespace}${selection.names.length > 0 ? ` ${selection.names.join(' ')}` : ''}${selection.selector ? ` -l ${selection.selector}` : ''}`;
}

// One `export` run's dealings with the cluster: freeze → snapshot → thaw, export, the volume data, and undoing it all.

import { headerTime, type ExportRecord } from '../bundle/index.ts';
import { ClusterError } from '../errors.ts';
import { describeRef, type ObjectRef } from '../model/object-ref.ts';
import type { ExportJournal } from '../io/files/export-journal.ts';
import type { ResumableOutput } from '../io/files/resumable-output.ts';
import { note, type StdStreams } from '../io/term/streams.ts';
import type { BundleWriter } from '../io/tar/bundle-writer.ts';
import { CleanupStack } from './cleanup-stack.ts';
import { describeOutcome, planVolumes, writeVolumeData, type VolumePlan } from './export-data.ts';
import { namesByNamespace, type PlannedVm } from './export-plan.ts';
import type { Replayed } from './export-resume.ts';
import type { Interrupt } from './interrupt.ts';
import type { ExportOptions } from './options.ts';

/** The cluster shell, loaded only by `export`, so that offline commands never load @kubernetes/client-node. */
export type Cluster = typeof import('../io/cluster/index.ts');
type ClusterClient = InstanceType<Cluster['ClusterClient']>;

/** One VM's progress through quiesce, snapshot and export. */
export interface VmRun extends PlannedVm {
  quiesced: boolean;
  snapshotName?: string;
  snapshot?: import('../io/cluster/index.ts').SnapshotRecord;
  created?: import('../io/cluster/index.ts').CreatedExport;
  record?: ExportRecord;
}

/**
 * The state of one run: its id (the label on everything it creates), the guests it froze (the thaw ledger) and the
 * cleanup stack of what it created. `finish` thaws first, then unwinds the stack; the caller runs it in a `finally`,
 * so an error or a signal (which aborts `signal` but lets cleanup run) never leaves a guest frozen.
 */
export class ExportRun {
  readonly cluster: Cluster;
  readonly client: ClusterClient;
  readonly options: ExportOptions;
  readonly streams: StdStreams;
  readonly #interrupt: Interrupt;
  /** Labels everything this run creates; a resumed run takes over the interrupted run's id. */
  runId: string;
  readonly #ledger: InstanceType<Cluster['ThawLedger']>;
  /** Deletions of what this run created on the cluster. */
  readonly cleanups = new CleanupStack();
  exportServerRequests = 0;
  /** Set when a --with-data run failed after its journal was written: the partial bundle, journal, snapshots and exports stay for --resume. */
  keptForResume = false;
  #thawReported = false;

  constructor(cluster: Cluster, client: ClusterClient, options: ExportOptions, streams: StdStreams, interrupt: Interrupt) {
    this.cluster = cluster;
    this.client = client;
    this.options = options;
    this.streams = streams;
    this.#interrupt = interrupt;
    this.runId = cluster.newRunId();
    this.#ledger = new cluster.ThawLedger((vmi) => cluster.unfreezeVmi(client, vmi));
  }

  get signal(): AbortSignal {
    return this.#interrupt.signal;
  }

  /** Freeze (as planned) → snapshot all → wait → thaw, the thaw also on failure. */
  async snapshotAll(vms: VmRun[]): Promise<void> {
    const { cluster, client, options } = this;
    const toFreeze = vms.filter((run) => run.quiesce?.freeze);
    // Every guest is frozen before the first snapshot is created, so the snapshots of all selected VMs show their
    // disks as of one moment. The snapshot controller thaws each guest once its own volume snapshots exist.
    try {
      await Promise.all(
        toFreeze.map(async (run) => {
          const vmi = { namespace: run.vm.namespace, name: run.vm.name };
          this.#ledger.recordFreezing(vmi);
          await cluster.freezeVmi(client, vmi, options.unfreezeTimeoutSeconds, this.signal);
          run.quiesced = true;
          this.verbose(`froze ${vmi.namespace}/${vmi.name} (unfreezeTimeout ${options.unfreezeTimeoutSeconds}s)`);
        }),
      );
      const deadline = Date.now() + options.snapshotTimeoutSeconds * 1000;
      for (const run of vms) {
        const name = cluster.objectName(this.runId, run.vm.name, 253);
        this.cleanups.push(`VirtualMachineSnapshot ${run.vm.namespace}/${name}`, () => cluster.deleteSnapshot(client, run.vm.namespace, name));
        run.snapshotName = await cluster.createSnapshot(client, this.runId, run.vm.namespace, run.vm.name, options.snapshotTimeoutSeconds, this.signal);
      }
      const result = await cluster.waitForSnapshots(client, this.runId, namesByNamespace(vms, (run) => run.snapshotName), deadline, this.signal);
      for (const run of vms) {
        const snapshot = result.objects.get(`${run.vm.namespace}/${run.snapshotName}`);
        run.snapshot = cluster.snapshotRecord(run.vm.namespace, run.vm.name, run.snapshotName as string, snapshot);
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

  /** One VirtualMachineExport per VM (of its snapshot with --snapshot), waited for until Ready. */
  async exportAll(vms: VmRun[]): Promise<void> {
    const { cluster, client, options } = this;
    const deadline = Date.now() + options.exportTimeoutSeconds * 1000;
    for (const run of vms) {
      const names = cluster.exportNames(this.runId, run.vm.name);
      this.cleanups.push(`VirtualMachineExport ${run.vm.namespace}/${names.exportName} and its token Secret`, () => cluster.deleteExport(client, { namespace: run.vm.namespace, ...names }));
      run.created = await cluster.createExport(client, this.runId, { namespace: run.vm.namespace, vmName: run.vm.name, snapshotName: run.snapshotName }, options.exportTtlSeconds, this.signal);
    }
    let result;
    try {
      result = await cluster.waitForExports(client, this.runId, namesByNamespace(vms, (run) => run.created?.exportName), deadline, this.signal);
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
      run.record = cluster.exportRecord(created, result.objects.get(`${created.namespace}/${created.exportName}`), options.includeToken);
    }
  }

  /** The volumes of every export record (each record's `data` then lists their indexes). */
  planData(vms: readonly VmRun[]): VolumePlan[] {
    const plans: VolumePlan[] = [];
    for (const run of vms) {
      if (!run.record || !run.created) continue;
      const planned = planVolumes(run.record, this.cluster.volumeOffers(run.record.links), run.created.token);
      if (planned.length === 0) this.note(`${describeRef(run.vm)}: its export lists no volume to download`);
      plans.push(...planned);
    }
    return plans;
  }

  /** The data section: every planned volume fetched into chunks (see export-data.ts), then one verbose line each. */
  async writeData(writer: BundleWriter, plans: VolumePlan[], journal: ExportJournal | undefined, replayed?: Replayed): Promise<void> {
    const outcomes = await writeVolumeData(writer, plans, {
      parallel: this.options.parallel,
      signal: this.signal,
      journal,
      reuse: replayed?.reuse,
      replayedRefs: replayed?.refs,
      fetch: this.cluster.fetchVolumes,
      onRequest: () => void this.exportServerRequests++,
      onRetry: (message) => this.verbose(message),
      progress: (label, size) => this.cluster.progressReporter(this.streams.stderr, label, size ?? 0),
    });
    for (const outcome of outcomes) this.verbose(describeOutcome(outcome));
  }

  /** After a failure past the journal: the snapshots and exports stay for --resume; says what stays and for how long. */
  keepForResume(output: ResumableOutput): void {
    this.keptForResume = true;
    const kept = this.cleanups.release();
    const expiry = headerTime(new Date(Date.now() + this.options.exportTtlSeconds * 1000));
    this.note(
      `kept for --resume: ${output.paths.partial}, ${output.paths.journal} and ${kept.join(', ')} (KubeVirt deletes the exports at their TTL, about ${expiry}; to discard instead: delete the two files and \`kubectl delete virtualmachinesnapshots,virtualmachineexports -A -l ${this.cluster.runSelector(this.runId)}\`)`,
    );
  }

  /** Thaws every guest this run froze, then deletes what it created (newest first), or with --keep reports it. */
  async finish(): Promise<void> {
    await this.#thaw();
    await this.deleteCreated();
  }

  /** Unwinds the cleanup stack: exports before the snapshots they may read; failures are reported, not thrown. */
  async deleteCreated(): Promise<void> {
    await this.cleanups.unwind({
      keep: this.options.keep,
      kept: (what) => this.note(`kept ${what} (--keep)`),
      undone: (what) => this.verbose(`deleted ${what}`),
      failed: (what, error) => this.note(`warning: could not delete ${what}: ${error instanceof Error ? error.message : String(error)}`),
    });
  }

  async #thaw(): Promise<void> {
    const outcomes = await this.#ledger.thawAll();
    if (this.#thawReported) return;
    this.#thawReported = true;
    for (const outcome of outcomes) {
      if (outcome.error) this.note(`warning: thaw of ${outcome.vmi.namespace}/${outcome.vmi.name} failed (${outcome.error}); its unfreezeTimeout (${this.options.unfreezeTimeoutSeconds}s) thaws it`);
      else this.verbose(`thawed ${outcome.vmi.namespace}/${outcome.vmi.name}`);
    }
  }

  note(message: string): void {
    note(this.streams, message);
  }

  verbose(message: string): void {
    if (this.options.verbose) note(this.streams, message);
  }
}

// `export`: discover VMs on a cluster, build their graph, optionally quiesce → snapshot → thaw, export, download, write a bundle.

import type { Writable } from 'node:stream';
import { bundleHeader, exportSelection, headerTime, type SourceCluster } from '../bundle/index.ts';
import { ClusterError, InterruptedError } from '../errors.ts';
import { buildGraph } from '../graph/index.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { compareRefs, refKey, type ObjectRef } from '../model/object-ref.ts';
import { openOutput } from '../io/files/output.ts';
import { ResumableOutput } from '../io/files/resumable-output.ts';
import { note, type StdStreams } from '../io/term/streams.ts';
import type { ExportOptions } from './options.ts';
import { withRevisionNames, withSnapshotRecord } from './export-selection.ts';
import { installInterrupt } from './interrupt.ts';
import type { VolumePlan } from './export-data.ts';
import { checkExportFlags, formatDryRun, planExport } from './export-plan.ts';
import { journalHeader, openResumable, resumeIfAsked } from './export-resume.ts';
import { ExportRun, type Cluster, type VmRun } from './export-run.ts';
import type { IncrementalContext } from './export-incremental.ts';
import { closeChain, scanBundle, type ScannedBundle } from './chain-input.ts';

/** The backups of an --incremental run, once they are ready: what the bundle's header, records and data come from. */
interface IncrementalBackups {
  context: IncrementalContext;
  runs: Awaited<ReturnType<typeof import('./export-incremental.ts').startBackups>>;
}

export async function runExport(options: ExportOptions, streams: StdStreams): Promise<void> {
  checkExportFlags(options);
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
    await execute(run, namespace);
  } catch (error) {
    const kept = run.keptForResume ? `; the partial export is kept: run the same command with --resume to continue it` : '';
    if (interrupt.received) throw new InterruptedError(interrupt.received, `export interrupted by ${interrupt.received}; no bundle was written${kept}`);
    if (kept && error instanceof ClusterError) throw new ClusterError(`${error.message}${kept}`, error.details);
    throw error;
  } finally {
    clearTimeout(timer);
    if (options.verbose) note(streams, `kvbackup: ${client.requestCount} API request${client.requestCount === 1 ? '' : 's'} (${client.retryCount} retries), ${run.exportServerRequests} export-server request${run.exportServerRequests === 1 ? '' : 's'}`);
    interrupt.finish();
  }
}

/** Discover → plan → (dry run) or snapshot → export → bundle, with the run's cleanup in the `finally`. */
async function execute(run: ExportRun, namespace: string): Promise<void> {
  const { cluster, client, options, signal } = run;
  if (options.withData && options.outputFile !== '-' && (await resumeIfAsked(run, namespace))) return;
  const namespaces = options.allNamespaces ? undefined : [namespace];
  const [discovery, facts, labelled] = await Promise.all([
    cluster.discover(client, { namespaces, signal }),
    cluster.readClusterFacts(client, signal),
    options.selector ? cluster.listSelectedRoots(client, namespaces, options.selector, signal) : Promise.resolve(undefined),
  ]);
  for (const kind of discovery.unserved) run.verbose(`not served by the cluster (CRD not installed): ${kind}`);
  for (const kind of discovery.forbidden) {
    run.note(`warning: not allowed to list ${kind} cluster-wide: they stay external references (bind the role with a ClusterRoleBinding to include them)`);
  }
  const plan = planExport(discovery.index, options, namespace, labelled);
  if (options.dryRun) {
    run.streams.stdout.write(formatDryRun(plan, options, facts.server));
    return;
  }
  const vms = plan.vms.map((planned): VmRun => ({ ...planned, quiesced: false }));
  // The base is read through (and its digest computed) before anything changes on the cluster.
  const base = options.base !== undefined ? await scanBundle(options.base, { keepChunks: false }) : undefined;
  // Opened before anything changes on the cluster: a refused terminal or an unwritable path fails first.
  const output = options.withData && options.outputFile !== '-' && !options.incremental ? await openResumable(run) : await openOutput(options.outputFile, run.streams, { binary: true });
  try {
    try {
      const backups = options.incremental ? await startIncremental(run, vms, discovery.index, base) : undefined;
      if (options.snapshot && !backups) await run.snapshotAll(vms);
      if (options.export && !backups) await run.exportAll(vms);
      const plans = options.withData && !backups ? run.planData(vms) : [];
      if (output instanceof ResumableOutput) await output.startJournal(journalHeader(run, namespace, vms));
      await writeBundle(run, output, { index: discovery.index, refs: plan.refs, vms, facts, namespaces, plans, backups });
      await output.commit();
    } catch (error) {
      await output.abort();
      if (output instanceof ResumableOutput && output.kept) run.keepForResume(output);
      throw error;
    }
  } finally {
    await run.finish();
    if (base) await closeChain([base]);
  }
}

/**
 * `--incremental`: one pull-mode backup per VM through KubeVirt's backup API (export-incremental.ts), or undefined
 * after one warning line when the API or changed block tracking cannot serve them (the run is then a full
 * snapshot + export). The backups, their Secrets and scratch claims go on the run's cleanup stack.
 */
async function startIncremental(run: ExportRun, vms: readonly VmRun[], index: ObjectIndex, base: ScannedBundle | undefined): Promise<IncrementalBackups | undefined> {
  const incremental = await import('./export-incremental.ts');
  const { options } = run;
  const objects = vms.map((vm) => ({ ref: vm.vm, object: index.get(vm.vm) as KubeObject }));
  const unsupported = await incremental.incrementalUnsupported(run.cluster, run.client, objects.map((o) => o.object), run.signal);
  if (unsupported) {
    run.note(`warning: --incremental: ${unsupported}; making a full export (snapshot, export, data) instead`);
    return undefined;
  }
  const context: IncrementalContext = {
    cluster: run.cluster,
    client: run.client,
    runId: run.runId,
    signal: run.signal,
    base,
    skipQuiesce: options.quiesce === 'never',
    ttlSeconds: options.exportTtlSeconds,
    exportTimeoutSeconds: options.exportTimeoutSeconds,
    parallel: options.parallel,
    includeToken: options.includeToken,
    note: (message) => run.note(message),
    verbose: (message) => run.verbose(message),
    registerCleanup: (what, undo) => run.cleanups.push(what, undo),
    onRequest: () => void run.exportServerRequests++,
  };
  return { context, runs: await incremental.startBackups(context, objects) };
}

interface BundleContent {
  index: ObjectIndex;
  refs: readonly ObjectRef[];
  vms: readonly VmRun[];
  facts: SourceCluster;
  namespaces: string[] | undefined;
  plans: VolumePlan[];
  backups?: IncrementalBackups | undefined;
}

/** Header, graph, objects (VMs with their revision names and snapshot record), export records, then the volume data. */
async function writeBundle(run: ExportRun, output: { stream: Writable } | ResumableOutput, content: BundleContent): Promise<void> {
  const { createBundleWriter } = await import('../io/tar/bundle-writer.ts');
  const { options } = run;
  const { backups } = content;
  const incremental = backups ? await import('./export-incremental.ts') : undefined;
  const byVm = new Map(content.vms.map((vm) => [refKey(vm.vm), vm]));
  const objects = content.refs
    .map((ref) => {
      const object = content.index.get(ref) as KubeObject;
      const vm = byVm.get(refKey(ref));
      return { ref, object: vm ? recorded(withRevisionNames(object), vm) : object };
    })
    .sort((a, b) => compareRefs(a.ref, b.ref));
  const graph = buildGraph(new ObjectIndex(objects.map(({ object }) => ({ object }))));
  const records = (backups && incremental ? incremental.recordsOf(backups.runs) : content.vms.flatMap((vm) => (vm.record ? [vm.record] : []))).sort((a, b) => (a.namespace + '\u0000' + a.vmName < b.namespace + '\u0000' + b.vmName ? -1 : 1));
  const header = bundleHeader({
    createdAt: headerTime(new Date()),
    source: content.facts,
    selection: exportSelection({ namespaces: content.namespaces, names: options.names, selector: options.selector }),
    objects: objects.length,
    exports: records,
    backup: backups && incremental ? incremental.backupInfo(backups.runs, backups.context.base) : undefined,
  });
  const writer = createBundleWriter(output.stream, { includeToken: options.includeToken, end: options.outputFile !== '-' });
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
    if (content.plans.length > 0) await run.writeData(writer, content.plans, journal);
    if (backups && incremental) {
      for (const outcome of await incremental.writeBackupData(backups.context, writer, backups.runs)) run.verbose(incremental.describeBackupOutcome(outcome));
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
function recorded(vm: KubeObject, run: VmRun): KubeObject {
  return run.snapshot ? withSnapshotRecord(vm, run.snapshot, run.quiesced) : vm;
}

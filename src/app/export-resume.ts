// `export --resume`: what an interrupted --with-data export left (partial bundle + journal), read back and continued;
// and the partial bundle and journal a new --with-data export starts.

import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { DEFAULT_LIMITS, parseEntryPath, type BundleHeader, type ExportRecord, type StoredChunkRef, type VolumeIndex } from '../bundle/index.ts';
import type { Graph } from '../graph/index.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { refOf } from '../model/object-ref.ts';
import { zstdDecodeSync } from '../io/chunks/codec.ts';
import type { BundleWriter } from '../io/tar/bundle-writer.ts';
import { readJournal, type JournalHeader, type JournalState } from '../io/files/export-journal.ts';
import { openPartialBundle, readAt, resumePaths, scanPartialBundle, type PartialEntry } from '../io/files/partial-bundle.ts';
import { removeIfPresent, ResumableOutput } from '../io/files/resumable-output.ts';
import { InputError, UsageError } from '../errors.ts';
import { planVolumes, type ReuseSource } from './export-data.ts';
import type { ExportRun, VmRun } from './export-run.ts';

/** An interrupted export found again: its journal and the complete entries of its partial bundle. */
export interface PartialExport {
  state: JournalState;
  entries: PartialEntry[];
  /** The export records (links, data list), read back from the partial bundle. */
  records: ExportRecord[];
  /** Bytes of the partial bundle to keep: its complete entries before the trailer (a torn tail is cut off). */
  keptBytes: number;
}

/**
 * Reads the journal and scans the partial bundle. Returns the reason instead when there is nothing to continue:
 * no journal, or a partial bundle whose metadata (header to export records) is not complete.
 */
export async function readPartialExport(paths: { partial: string; journal: string }): Promise<PartialExport | { missing: string }> {
  const state = await readJournal(paths.journal);
  if (!state) return { missing: `no interrupted export at ${paths.partial}` };
  let entries: PartialEntry[];
  try {
    entries = await scanPartialBundle(paths.partial);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: `${paths.partial} is gone` };
    throw error;
  }
  if (!state.metadataComplete || entries[0]?.path !== 'kvbackup.json') return { missing: `the interrupted export had not written its metadata yet` };
  const handle = await open(paths.partial, 'r');
  try {
    const records: ExportRecord[] = [];
    for (const entry of entries) {
      const parsed = parseEntryPath(entry.path, 'v1alpha2');
      if (parsed.section === 'export') records.push((await readJson(handle, entry)) as ExportRecord);
    }
    const header = (await readJson(handle, entries[0] as PartialEntry)) as BundleHeader;
    if (records.length !== header.contents.exports) return { missing: `${paths.partial} holds ${records.length} of ${header.contents.exports} export records` };
    const kept = entries.filter((e) => parseEntryPath(e.path, 'v1alpha2').section !== 'trailer');
    return { state, entries: kept, records, keptBytes: kept.at(-1)?.end ?? 0 };
  } finally {
    await handle.close();
  }
}

/** A JSON entry's document (zstd-compressed unless it is the plain header or trailer). */
async function readJson(handle: FileHandle, entry: PartialEntry): Promise<unknown> {
  if (entry.size > DEFAULT_LIMITS.maxJsonEntryBytes) throw new InputError(`partial bundle entry ${entry.path}: ${entry.size} bytes is over the limit for a JSON entry`);
  const stored = await readAt(handle, entry.dataOffset, entry.size);
  try {
    const bytes = entry.path.endsWith('.zst') ? zstdDecodeSync(stored, DEFAULT_LIMITS.maxJsonEntryBytes) : stored;
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new InputError(`partial bundle entry ${entry.path}: ${(error as Error).message}`);
  }
}

/** What replaying the partial bundle gave: the volumes already complete, and its chunks for the fetcher to reuse. */
export interface Replayed {
  /** `<namespace>/<volume>` of every volume whose index the partial bundle holds. */
  complete: Set<string>;
  reuse: ReuseSource;
  /** How every replayed chunk is stored, so the chunkers do not compress a reused chunk again. */
  refs: Map<string, StoredChunkRef>;
}

/**
 * Writes the partial bundle's complete entries (`keptBytes`) again through a fresh writer, whose output compares
 * them with the file instead of writing them (see `openPartialBundle`), so the writer ends up in the state it had:
 * the same trailer entries, the same stored chunks. `handle` stays open: the fetcher reads reused chunks through it.
 */
export async function replayPartialExport(partial: PartialExport, writer: BundleWriter, handle: FileHandle): Promise<Replayed> {
  const complete = new Set<string>();
  const stored = new Map<string, { dataOffset: number; size: number }>();
  const refs = new Map<string, StoredChunkRef>();
  const journalRefs = new Map(partial.state.chunks.filter((c) => c.d).map((c) => [c.d as string, c]));
  for (const entry of partial.entries) {
    const parsed = parseEntryPath(entry.path, 'v1alpha2');
    if (parsed.section === 'header') await writer.writeHeader((await readJson(handle, entry)) as BundleHeader);
    else if (parsed.section === 'graph') await writer.writeGraph((await readJson(handle, entry)) as Graph);
    else if (parsed.section === 'object') {
      const object = (await readJson(handle, entry)) as KubeObject;
      await writer.writeObject(refOf(object), object);
    } else if (parsed.section === 'export') await writer.writeExport((await readJson(handle, entry)) as ExportRecord);
    else if (parsed.section === 'chunk') {
      const bytes = await readAt(handle, entry.dataOffset, entry.size);
      await writer.copyChunk(parsed.sha256, bytes);
      stored.set(parsed.sha256, { dataOffset: entry.dataOffset, size: entry.size });
      const line = journalRefs.get(parsed.sha256);
      if (line?.c && line.s === entry.size) refs.set(parsed.sha256, { size: entry.size, sha256: line.c === 'none' ? parsed.sha256 : createHash('sha256').update(bytes).digest('hex'), compression: line.c });
    } else if (parsed.section === 'index') {
      const index = (await readJson(handle, entry)) as VolumeIndex;
      await writer.addVolumeIndex(index);
      complete.add(`${index.namespace}/${index.volume}`);
    }
  }
  const chunks = new Map<string, Map<number, (typeof partial.state.chunks)[number]>>();
  for (const line of partial.state.chunks) {
    if (complete.has(line.v)) continue;
    let byOffset = chunks.get(line.v);
    if (!byOffset) chunks.set(line.v, (byOffset = new Map()));
    byOffset.set(line.o, line);
  }
  return { complete, reuse: { handle, chunks, stored }, refs };
}

/**
 * `--resume`: continues the interrupted export of the same output file when its journal, its partial bundle's
 * metadata and its VirtualMachineExports are all still there; the chunks it committed are reused and only the rest
 * is fetched. Otherwise it says why and returns false, and a new export starts (after deleting what the
 * interrupted run left on the cluster).
 */
export async function resumeIfAsked(run: ExportRun, namespace: string): Promise<boolean> {
  const { options, cluster } = run;
  if (!options.resume) return false;
  const paths = resumePaths(options.outputFile);
  const partial = await readPartialExport(paths);
  if ('missing' in partial) {
    run.note(`--resume: ${partial.missing}; starting a new export`);
    return false;
  }
  const header = partial.state.header;
  if (JSON.stringify(journalSelection(run, namespace)) !== JSON.stringify({ ...header.selection, selector: header.selection.selector ?? undefined })) {
    throw new UsageError(`--resume: ${paths.partial} was started for another selection (${describeSelection(header.selection)}); run that command again, or remove ${paths.partial} and ${paths.journal}`);
  }
  const names = new Map<string, string[]>();
  for (const e of header.exports) names.set(e.namespace, [...(names.get(e.namespace) ?? []), e.exportName]);
  const gone = await cluster
    .waitForExports(run.client, header.runId, names, Date.now() + 15_000, run.signal)
    .then((result) => result.failed.map((f) => `${f.namespace}/${f.name}: ${f.reason}`))
    .catch((error: unknown) => [error instanceof Error ? error.message : String(error)]);
  run.runId = header.runId;
  for (const e of header.exports) {
    if (e.snapshotName) {
      const snapshotName = e.snapshotName;
      run.cleanups.push(`VirtualMachineSnapshot ${e.namespace}/${snapshotName}`, () => cluster.deleteSnapshot(run.client, e.namespace, snapshotName));
    }
    run.cleanups.push(`VirtualMachineExport ${e.namespace}/${e.exportName} and its token Secret`, () => cluster.deleteExport(run.client, { namespace: e.namespace, exportName: e.exportName, secretName: e.secretName }));
  }
  if (gone.length > 0) {
    run.note(`--resume: the VirtualMachineExports of the interrupted run ${header.runId} are not usable any more (${gone.join('; ')}); deleting what it left and starting a new export`);
    await run.deleteCreated();
    await removeIfPresent(paths.partial);
    await removeIfPresent(paths.journal);
    run.runId = cluster.newRunId();
    return false;
  }
  run.verbose(`--resume: continuing run ${header.runId} from ${paths.partial} (${partial.keptBytes} bytes kept)`);
  await continueExport(run, partial, paths);
  return true;
}

/** Replays the complete entries of the partial bundle, then fetches the volumes it does not hold yet. */
async function continueExport(run: ExportRun, partial: PartialExport, paths: { partial: string; journal: string }): Promise<void> {
  const { createBundleWriter } = await import('../io/tar/bundle-writer.ts');
  const header = partial.state.header;
  const reader = await open(paths.partial, 'r');
  const file = await openPartialBundle(paths.partial, partial.keptBytes);
  const output = new ResumableOutput(paths, run.options.outputFile, file);
  let writer;
  try {
    try {
      await output.reopenJournal();
      writer = createBundleWriter(file.stream, { includeToken: header.includeToken });
      const replayed = await replayPartialExport(partial, writer, reader);
      const tokens = new Map(header.exports.map((e) => [`${e.namespace}/${e.vmName}`, e.token]));
      const plans = partial.records
        .flatMap((record) => planVolumes({ ...record, data: [] }, run.cluster.volumeOffers(record.links), tokens.get(`${record.namespace}/${record.vmName}`) ?? ''))
        .filter((plan) => !replayed.complete.has(`${plan.namespace}/${plan.volume}`));
      await run.writeData(writer, plans, output.journal, replayed);
      await writer.finish();
      await output.commit();
    } catch (error) {
      await writer?.close();
      await output.abort();
      if (output.kept) run.keepForResume(output);
      throw error;
    }
  } finally {
    await reader.close();
    await run.deleteCreated();
  }
}

/**
 * A --with-data export to a file writes `<file>.partial` and, once its exports are Ready, a journal beside it. An
 * earlier interrupted export of the same file is replaced (with a note: --resume continues it instead).
 */
export async function openResumable(run: ExportRun): Promise<ResumableOutput> {
  const paths = resumePaths(run.options.outputFile);
  const stale = await readPartialExport(paths).catch(() => undefined);
  if (stale && !('missing' in stale)) {
    run.note(
      `warning: replacing the interrupted export at ${paths.partial} (run ${stale.state.header.runId}; --resume would continue it); its exports stay until their TTL and its snapshots until deleted: \`kubectl delete virtualmachinesnapshots,virtualmachineexports -A -l ${run.cluster.runSelector(stale.state.header.runId)}\``,
    );
  }
  await removeIfPresent(paths.partial);
  await removeIfPresent(paths.journal);
  return new ResumableOutput(paths, run.options.outputFile, await openPartialBundle(paths.partial));
}

/** The journal's first line: the run and its exports (with their tokens: the journal is 0600 and removed at the end). */
export function journalHeader(run: ExportRun, namespace: string, vms: readonly VmRun[]): JournalHeader {
  return {
    kind: 'kubectl-kvbackup/export-journal',
    version: 1,
    runId: run.runId,
    startedAt: new Date().toISOString(),
    selection: journalSelection(run, namespace),
    includeToken: run.options.includeToken,
    exports: vms.flatMap((vm) =>
      vm.created ? [{ namespace: vm.created.namespace, vmName: vm.created.vmName, exportName: vm.created.exportName, secretName: vm.created.secretName, token: vm.created.token, snapshotName: vm.snapshotName }] : [],
    ),
  };
}

function journalSelection(run: ExportRun, namespace: string): JournalHeader['selection'] {
  const { options } = run;
  return { namespace, allNamespaces: options.allNamespaces, names: [...options.names].sort(), selector: options.selector };
}

function describeSelection(selection: JournalHeader['selection']): string {
  if (selection.allNamespaces) return `-A${selection.selector ? ` -l ${selection.selector}` : ''}`;
  return `-n ${selection.namespace}${selection.names.length > 0 ? ` ${selection.names.join(' ')}` : ''}${selection.selector ? ` -l ${selection.selector}` : ''}`;
}

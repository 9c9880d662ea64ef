// `export --resume`: what an interrupted --with-data export left (partial bundle + journal), read back and continued.

import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { DEFAULT_LIMITS, parseEntryPath, type BundleHeader, type ExportRecord, type StoredChunkRef, type VolumeIndex } from '../bundle/index.ts';
import type { Graph } from '../graph/index.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { refOf } from '../model/object-ref.ts';
import { zstdDecodeSync } from '../io/chunks/codec.ts';
import type { BundleWriter } from '../io/tar/bundle-writer.ts';
import { readJournal, type JournalState } from '../io/files/export-journal.ts';
import { readAt, scanPartialBundle, type PartialEntry } from '../io/files/partial-bundle.ts';
import type { ReuseSource } from './export-data.ts';

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
  if (entry.size > DEFAULT_LIMITS.maxJsonEntryBytes) throw new Error(`${entry.path}: ${entry.size} bytes is over the limit for a JSON entry`);
  const stored = await readAt(handle, entry.dataOffset, entry.size);
  const bytes = entry.path.endsWith('.zst') ? zstdDecodeSync(stored, DEFAULT_LIMITS.maxJsonEntryBytes) : stored;
  return JSON.parse(bytes.toString('utf8')) as unknown;
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

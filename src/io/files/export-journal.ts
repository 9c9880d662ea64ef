// The journal of a resumable export: which run made the partial bundle, and every chunk of every volume it committed.

import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { PRIVATE_FILE_MODE } from './atomic-write.ts';
import { InputError } from '../../errors.ts';

export const JOURNAL_KIND = 'kubectl-kvbackup/export-journal';
export const JOURNAL_VERSION = 1;

/** What a rerun needs to continue: the cluster objects of the run (export tokens included) and how it cut volumes. */
export interface JournalHeader {
  kind: typeof JOURNAL_KIND;
  version: typeof JOURNAL_VERSION;
  runId: string;
  startedAt: string;
  /** The selection the run was started with, so a rerun with another one is refused. */
  selection: { namespace: string; allNamespaces: boolean; names: string[]; selector: string | undefined };
  includeToken: boolean;
  exports: { namespace: string; vmName: string; exportName: string; secretName: string; token: string; snapshotName?: string | undefined }[];
}

/** One chunk of a volume committed to the partial bundle: a stored (or deduplicated) chunk, or zeros. */
export interface JournalChunk {
  /** `<namespace>/<volume>`. */
  v: string;
  o: number;
  l: number;
  /** sha256 of the chunk's bytes; absent for a zero chunk. */
  d?: string;
  /** How the chunk is stored: compression and stored size (present with `d`). */
  c?: 'zstd' | 'none';
  s?: number;
}

/** What a journal file holds once read back. */
export interface JournalState {
  header: JournalHeader;
  /** The metadata entries (header to export records) were complete in the partial bundle. */
  metadataComplete: boolean;
  chunks: JournalChunk[];
}

/**
 * An open journal. Lines are written as they come (a process killed outright loses only the last few), and every
 * `intervalMs` the partial bundle and then the journal are fsynced (what survives a power loss). Order does not
 * matter for correctness: a rerun checks every chunk a line names against the bundle before reusing it.
 */
export interface ExportJournal {
  readonly path: string;
  metadataComplete(): void;
  chunk(entry: JournalChunk): void;
  /** Writes the pending lines, runs `before` (it fsyncs the bundle the lines describe), then fsyncs the journal. */
  flush(before?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Creates the journal (mode 0600: it holds the export tokens until the export finishes) with its header, or opens
 * an existing one for appending; `beforeFlush` fsyncs the partial bundle on every periodic flush.
 */
export async function openJournal(path: string, header: JournalHeader | undefined, options: { intervalMs?: number; beforeFlush?: () => Promise<void> } = {}): Promise<ExportJournal> {
  const handle: FileHandle = header ? await open(path, 'wx', PRIVATE_FILE_MODE) : await open(path, 'a');
  await handle.chmod(PRIVATE_FILE_MODE);
  let pending: string[] = header ? [JSON.stringify(header)] : [];
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;
  let closed = false;
  /** Appends the pending lines, one write at a time, in order. */
  const write = (): Promise<void> => {
    writing = writing.then(async () => {
      if (closed || pending.length === 0) return;
      const lines = pending;
      pending = [];
      await handle.write(`${lines.join('\n')}\n`);
    });
    return writing;
  };
  const add = (line: string) => {
    pending.push(line);
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void write().catch(() => {});
    });
  };
  const flush = async (before = options.beforeFlush): Promise<void> => {
    await write();
    writing = writing.then(async () => {
      if (closed) return;
      await before?.();
      await handle.sync();
    });
    return writing;
  };
  if (header) await flush(async () => {});
  const timer = setInterval(() => void flush().catch(() => {}), options.intervalMs ?? 1000);
  timer.unref();
  const close = async () => {
    clearInterval(timer);
    await write().catch(() => {});
    await writing.catch(() => {});
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    path,
    metadataComplete: () => add(JSON.stringify({ metadata: true })),
    chunk: (entry) => add(JSON.stringify(entry)),
    flush,
    close,
    remove: async () => {
      pending = [];
      await close();
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
  };
}

/**
 * Reads a journal back; undefined when there is none. A torn last line (the process died while writing it) is
 * ignored; anything else unreadable is an error naming the file.
 */
export async function readJournal(path: string): Promise<JournalState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Every complete line ends with a newline: the last piece is either empty or a torn line.
  const complete = text.split('\n').slice(0, -1);
  const header = parseLine(complete[0]) as JournalHeader | undefined;
  if (!header || header.kind !== JOURNAL_KIND || header.version !== JOURNAL_VERSION || typeof header.runId !== 'string' || !Array.isArray(header.exports)) {
    throw new InputError(`${path}: not an export journal of this version`);
  }
  const state: JournalState = { header, metadataComplete: false, chunks: [] };
  for (const line of complete.slice(1)) {
    const entry = parseLine(line) as (Partial<JournalChunk> & { metadata?: boolean }) | undefined;
    if (!entry) throw new InputError(`${path}: unreadable line ${JSON.stringify(line.slice(0, 80))}`);
    if (entry.metadata === true) state.metadataComplete = true;
    else if (typeof entry.v === 'string' && Number.isSafeInteger(entry.o) && Number.isSafeInteger(entry.l)) state.chunks.push(entry as JournalChunk);
    else throw new InputError(`${path}: unreadable line ${JSON.stringify(line.slice(0, 80))}`);
  }
  return state;
}

function parseLine(line: string | undefined): unknown {
  if (line === undefined || line === '') return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

// Writes a file under a temporary name in the same directory (mode 0600), then fsyncs and renames it into place.

import { createHash, randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { chmod, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { fileSink } from './file-sink.ts';

/** Mode of every file written here: bundles hold Secrets. */
export const PRIVATE_FILE_MODE = 0o600;

/** A file being written: stream into `stream`, then `commit()` to publish it or `abort()` to leave nothing behind. */
export interface AtomicFile {
  /** The final path. */
  readonly path: string;
  /** The temporary path the data goes to until `commit()`. */
  readonly tempPath: string;
  readonly stream: Writable;
  /** Ends the stream if needed, waits for it, fsyncs, closes and renames over `path`. */
  commit(): Promise<void>;
  /** Destroys the stream and removes the temporary file; safe to call more than once and after a failure. */
  abort(): Promise<void>;
}

/**
 * Opens `<dir>/.<name>.kvbackup-<host>-<pid>-<random>.tmp` exclusively with mode 0600, after removing the stale
 * temporary files of killed runs there. If the stream errors, the temporary file is removed
 * and `commit()` rejects; the final path is only ever replaced by a complete, fsynced file.
 */
export async function openAtomicFile(path: string): Promise<AtomicFile> {
  await removeStaleTempFiles(dirname(path));
  const tempPath = join(dirname(path), `.${basename(path)}.${TEMP_MARK}-${HOST}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  openTempFiles.add(tempPath);
  installSignalCleanup();
  let handle: FileHandle | undefined;
  try {
    handle = await open(tempPath, 'wx', PRIVATE_FILE_MODE);
    // The umask can only clear bits, but an explicit chmod makes the mode independent of it.
    await chmod(tempPath, PRIVATE_FILE_MODE);
  } catch (error) {
    await handle?.close().catch(() => {});
    if (handle) await unlink(tempPath).catch(() => {});
    openTempFiles.delete(tempPath);
    throw error;
  }
  // The sink flushes to disk as it writes and fsyncs when it finishes, so a renamed file is complete on disk.
  const stream = fileSink(handle);
  let committing: Promise<void> | undefined;
  let aborting: Promise<void> | undefined;
  let failure: unknown;

  const abort = async (): Promise<void> => {
    // After commit() there is nothing to undo: it either renamed the file or removed it when it failed.
    if (committing) return committing.catch(() => {});
    aborting ??= (async () => {
      if (!stream.destroyed) stream.destroy();
      await finished(stream).catch(() => {});
      await unlink(tempPath).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      openTempFiles.delete(tempPath);
    })();
    return aborting;
  };

  stream.on('error', (error) => {
    failure ??= error;
    if (!committing) abort().catch(() => {});
  });

  const commit = (): Promise<void> => {
    if (aborting) return Promise.reject(new Error(`${path}: write was aborted`, { cause: failure }));
    committing ??= (async () => {
      try {
        if (!stream.writableEnded) stream.end();
        // Resolves on 'close': written, fsynced and closed.
        await finished(stream);
        await rename(tempPath, path);
      } catch (error) {
        stream.destroy();
        await unlink(tempPath).catch(() => {});
        throw error;
      } finally {
        openTempFiles.delete(tempPath);
      }
      await syncDirectory(dirname(path));
    })();
    return committing;
  };

  return { path, tempPath, stream, commit, abort };
}

/** Marks temporary files of kubectl-kvbackup: `.<name>.kvbackup-<host>-<pid>-<random>.tmp`. */
const TEMP_MARK = 'kvbackup';
// A short digest of the host name, so a directory shared between hosts never has another host's live file removed.
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const TEMP_NAME = new RegExp(`^\\..+\\.${TEMP_MARK}-([0-9a-f]{8})-(\\d+)-[0-9a-f]{12}\\.tmp$`);

/** Temporary files this process has open, removed synchronously if a signal ends it. */
const openTempFiles = new Set<string>();
let signalCleanupInstalled = false;
const CLEANUP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * On SIGINT, SIGTERM or SIGHUP, removes every temporary file still open. When nothing else handles the signal (a
 * command without its own cleanup, such as transform), the process then dies by it, so the exit status says so.
 */
function installSignalCleanup(): void {
  if (signalCleanupInstalled) return;
  signalCleanupInstalled = true;
  for (const signal of CLEANUP_SIGNALS) {
    const handler = () => {
      for (const tempPath of openTempFiles) {
        try {
          unlinkSync(tempPath);
        } catch {
          // Already gone.
        }
      }
      openTempFiles.clear();
      if (process.listenerCount(signal) === 1) {
        for (const other of CLEANUP_SIGNALS) process.removeAllListeners(other);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

/**
 * Removes temporary files that a killed run (SIGKILL, power loss) left in `directory`: those of this host whose
 * process no longer exists. Called before every write into the directory.
 */
export async function removeStaleTempFiles(directory: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match || match[1] !== HOST || isAlive(Number(match[2]))) continue;
    await unlink(join(directory, name)).then(
      () => removed.push(name),
      () => {},
    );
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Makes a rename durable; some platforms cannot open a directory for fsync, which is fine to ignore. */
export async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort only.
  }
}

// Writes a file under a temporary name in the same directory (mode 0600), then fsyncs and renames it into place.

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { chmod, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

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
 * Opens `<dir>/.<name>.<random>.tmp` exclusively with mode 0600. If the stream errors, the temporary file is removed
 * and `commit()` rejects; the final path is only ever replaced by a complete, fsynced file.
 */
export async function openAtomicFile(path: string): Promise<AtomicFile> {
  const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  // `flush` fsyncs the file before it is closed, so a renamed file is complete on disk.
  const stream = createWriteStream(tempPath, { flags: 'wx', mode: PRIVATE_FILE_MODE, flush: true });
  try {
    await once(stream, 'open');
    // The umask can only clear bits, but an explicit chmod makes the mode independent of it.
    await chmod(tempPath, PRIVATE_FILE_MODE);
  } catch (error) {
    stream.destroy();
    await unlink(tempPath).catch(() => {});
    throw error;
  }
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
      }
      await syncDirectory(dirname(path));
    })();
    return committing;
  };

  return { path, tempPath, stream, commit, abort };
}

// Makes the rename itself durable; some platforms cannot open a directory for fsync, which is fine to ignore.
async function syncDirectory(directory: string): Promise<void> {
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

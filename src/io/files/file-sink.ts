// A Writable over a file that writes gathered buffers with one writev each and flushes to disk as it goes.

import { writev } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

export interface FileSinkOptions {
  /**
   * Starts an fdatasync after every this many bytes written, in the background (one at a time): the disk takes the
   * data while more is written, instead of all of it in the fsync at the end. 0 turns it off.
   */
  syncEveryBytes?: number;
  /** Bytes the stream buffers before `write` returns false (Writable's highWaterMark). */
  highWaterMark?: number;
}

/**
 * Bytes between background flushes: large enough that a flush costs next to nothing per byte, small enough that the
 * final fsync waits for little. The kernel on its own starts writing only at a share of memory (often gigabytes),
 * so without this a large bundle would be written twice over in time: once into memory, then all of it at the end.
 */
export const SYNC_EVERY_BYTES = 32 * 1024 * 1024;

/**
 * Writes to `handle` from its current offset. Everything queued while a write is on the thread pool goes in the
 * next one (writev), so small pieces cost one system call between them. `final` waits for the background flush,
 * then fsyncs: when the stream finishes, the file is on disk. The handle is closed when the stream is destroyed or
 * finishes (autoDestroy), also after a failure.
 */
export function fileSink(handle: FileHandle, options: FileSinkOptions = {}): Writable {
  const syncEvery = options.syncEveryBytes ?? SYNC_EVERY_BYTES;
  let unsynced = 0;
  let syncing: Promise<void> | undefined;
  let syncFailure: unknown;

  const startSync = () => {
    if (syncEvery <= 0 || syncing || unsynced < syncEvery) return;
    unsynced = 0;
    syncing = handle.datasync().then(
      () => {
        syncing = undefined;
      },
      (error: unknown) => {
        syncing = undefined;
        syncFailure ??= error;
      },
    );
  };

  const writeAll = async (buffers: Buffer[]): Promise<void> => {
    let pending = buffers.filter((buffer) => buffer.byteLength > 0);
    while (pending.length > 0) {
      if (syncFailure) throw syncFailure;
      const bytesWritten = await writevAt(handle.fd, pending);
      unsynced += bytesWritten;
      pending = remaining(pending, bytesWritten);
    }
    startSync();
  };

  return new Writable({
    highWaterMark: options.highWaterMark ?? 1024 * 1024,
    writev(chunks, callback) {
      writeAll(chunks.map(({ chunk }) => chunk as Buffer)).then(() => callback(), callback);
    },
    final(callback) {
      (async () => {
        await syncing;
        if (syncFailure) throw syncFailure;
        await handle.sync();
      })().then(() => callback(), callback);
    },
    destroy(error, callback) {
      // A background flush may still hold the handle: close it after that.
      Promise.resolve(syncing)
        .then(() => handle.close())
        .then(
          () => callback(error),
          (closeError: unknown) => callback(error ?? (closeError as Error)),
        );
    },
  });
}

/** What is left of `buffers` after the first `written` bytes (a short write). */
export function remaining(buffers: readonly Buffer[], written: number): Buffer[] {
  let skip = written;
  let index = 0;
  while (index < buffers.length && skip >= (buffers[index] as Buffer).byteLength) {
    skip -= (buffers[index] as Buffer).byteLength;
    index += 1;
  }
  const rest = buffers.slice(index);
  if (skip > 0 && rest[0]) rest[0] = rest[0].subarray(skip);
  return rest;
}

/** One writev at the file's offset through the callback API, which costs less per call than the promise API. */
function writevAt(fd: number, buffers: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => writev(fd, buffers, (error, bytesWritten) => (error ? reject(error) : resolve(bytesWritten))));
}

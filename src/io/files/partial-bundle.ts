// The partial bundle of a resumable export: `<out>.partial`, its complete tar entries found again, and appended to.

import { createHash } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { PRIVATE_FILE_MODE, syncDirectory } from './atomic-write.ts';
import { InputError } from '../../errors.ts';

/** The files of a resumable export next to its output: the bundle being written and its journal. */
export function resumePaths(outputFile: string): { partial: string; journal: string } {
  const partial = join(dirname(outputFile), `${basename(outputFile)}.partial`);
  return { partial, journal: `${partial}.journal` };
}

/** One complete tar entry of a partial bundle. */
export interface PartialEntry {
  path: string;
  /** Offset of the entry's data in the file, and its length. */
  dataOffset: number;
  size: number;
  /** Offset just past the entry (data padded to 512 bytes): where the next entry starts. */
  end: number;
}

const BLOCK = 512;

/**
 * Lists the complete regular-file entries at the start of a tar file written by this tool (ustar, with pax records
 * for long names), stopping quietly at the first block that is not a valid header or whose data runs past the end
 * of the file: what an export killed mid-write leaves is a prefix of a valid tar plus a torn tail.
 */
export async function scanPartialBundle(path: string): Promise<PartialEntry[]> {
  const handle = await open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const entries: PartialEntry[] = [];
    const header = Buffer.alloc(BLOCK);
    let position = 0;
    let paxPath: string | undefined;
    while (position + BLOCK <= fileSize) {
      const { bytesRead } = await handle.read(header, 0, BLOCK, position);
      if (bytesRead < BLOCK || !validChecksum(header)) break;
      const size = octal(header.subarray(124, 136));
      if (size === undefined) break;
      const type = String.fromCharCode(header[156] ?? 0);
      const dataOffset = position + BLOCK;
      const end = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
      if (end > fileSize) break;
      if (type === 'x') {
        const records = Buffer.alloc(size);
        await handle.read(records, 0, size, dataOffset);
        paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records.toString('utf8'))?.[1];
      } else if (type === '0' || type === '\0') {
        const prefix = cString(header.subarray(345, 500));
        const name = cString(header.subarray(0, 100));
        entries.push({ path: paxPath ?? (prefix ? `${prefix}/${name}` : name), dataOffset, size, end });
        paxPath = undefined;
      } else {
        break;
      }
      position = end;
    }
    return entries;
  } finally {
    await handle.close();
  }
}

function validChecksum(header: Buffer): boolean {
  const stored = octal(header.subarray(148, 156));
  if (stored === undefined) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  return sum === stored;
}

function octal(field: Buffer): number | undefined {
  const text = cString(field).trim();
  if (!/^[0-7]+$/.test(text)) return undefined;
  return parseInt(text, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** Reads `length` bytes at `offset` of a file. */
export async function readAt(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let have = 0;
  while (have < length) {
    const { bytesRead } = await handle.read(out, have, length - have, offset + have);
    if (bytesRead === 0) throw new InputError(`unexpected end of file at byte ${offset + have}: the file changed while it was read`);
    have += bytesRead;
  }
  return out;
}

/** The partial bundle being written: a stream for the bundle writer, durable syncs, and publication. */
export interface PartialBundleFile {
  readonly path: string;
  readonly stream: Writable;
  /** Bytes of the file so far (verified prefix included). */
  readonly position: number;
  /** fsyncs what was written so far. */
  sync(): Promise<void>;
  /** Waits for the stream to finish, fsyncs, closes and renames the file to `target`. */
  commit(target: string): Promise<void>;
  /** Closes the file and keeps it (for a later --resume). */
  close(): Promise<void>;
  /** Closes and removes the file. */
  remove(): Promise<void>;
}

/**
 * Opens `path` for a bundle written from its start. With `verifyPrefix`, the file is cut to that many bytes and the
 * first `verifyPrefix` bytes the writer produces are compared with the file instead of written (a resumed export
 * writes the same entries again to rebuild its state, and only then appends); a difference fails the stream. A new
 * file is created with mode 0600.
 */
export async function openPartialBundle(path: string, verifyPrefix = 0): Promise<PartialBundleFile> {
  const handle = verifyPrefix > 0 ? await open(path, 'r+') : await open(path, 'wx', PRIVATE_FILE_MODE);
  await handle.chmod(PRIVATE_FILE_MODE);
  if (verifyPrefix > 0) await handle.truncate(verifyPrefix);
  let position = 0;
  let closed = false;
  const compare = async (bytes: Buffer): Promise<Buffer> => {
    const overlap = Math.min(bytes.length, verifyPrefix - position);
    if (overlap <= 0) return bytes;
    const existing = await readAt(handle, position, overlap);
    if (!existing.equals(bytes.subarray(0, overlap))) {
      throw new InputError(`${path}: the entries written again differ from the file at byte ${position}; it cannot be resumed`);
    }
    position += overlap;
    return bytes.subarray(overlap);
  };
  const stream = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      (async () => {
        const rest = await compare(chunk);
        let done = 0;
        while (done < rest.length) {
          const { bytesWritten } = await handle.write(rest, done, rest.length - done, position);
          done += bytesWritten;
          position += bytesWritten;
        }
      })().then(() => callback(), callback);
    },
    final(callback) {
      if (position < verifyPrefix) callback(new InputError(`${path}: the bundle ended at byte ${position}, before the ${verifyPrefix} bytes being resumed`));
      else callback();
    },
  });
  const finishedWriting = () =>
    new Promise<void>((resolve, reject) => {
      if (stream.writableFinished) return resolve();
      stream.once('finish', resolve);
      stream.once('error', reject);
    });
  const closeOnce = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    path,
    stream,
    get position() {
      return position;
    },
    sync: async () => {
      if (!closed) await handle.sync();
    },
    commit: async (target) => {
      if (!stream.writableEnded) stream.end();
      await finishedWriting();
      await handle.sync();
      await closeOnce();
      await rename(path, target);
      await syncDirectory(dirname(target));
    },
    close: async () => {
      if (!stream.destroyed) stream.destroy();
      await closeOnce().catch(() => {});
    },
    remove: async () => {
      if (!stream.destroyed) stream.destroy();
      await closeOnce().catch(() => {});
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
  };
}

/** sha256 (hex) of `length` bytes of an open file at `offset`, read in pieces. */
export async function hashRange(handle: FileHandle, offset: number, length: number): Promise<string> {
  const hash = createHash('sha256');
  const piece = 4 * 1024 * 1024;
  for (let at = 0; at < length; at += piece) hash.update(await readAt(handle, offset + at, Math.min(piece, length - at)));
  return hash.digest('hex');
}

// Where a one-pass reader finds chunks again once their index arrives: in the bundle file itself, or in a private spool.

import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChunkEntry } from '../tar/bundle-reader.ts';
import { InternalError } from '../../errors.ts';

/** The signals after which the spool is removed (the process exits on them). */
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The stored bytes of chunks met earlier in the bundle, by the sha256 of their content. */
export interface ChunkSource {
  /** The chunk's stored bytes (its tar entry's content); undefined when no such chunk was met. */
  read(sha256: string): Promise<Uint8Array | undefined>;
}

export interface ChunkCollectorOptions {
  /**
   * The bundle as a regular file, when the reader reads it uncompressed from its first byte: chunks are then read
   * again from their place in it (random access) and nothing is spooled. Otherwise (a pipe, stdin) chunks are kept in
   * a private temporary directory until `close`.
   */
  file?: string | undefined;
  /** Parent of the spool directory (default: the system's temporary directory). */
  tmpDir?: string;
}

/**
 * Collects the chunk entries of a v1alpha2 bundle as the reader passes them, so that volumes can be rebuilt when
 * their index arrives, after its chunks. From a file it remembers only each chunk's position; from a pipe it writes
 * each chunk to `<spool>/<sha256>` (directory 0700, files 0600), all removed by `close` — which also runs at process
 * exit, so an interrupted run leaves nothing behind.
 */
export class ChunkCollector implements ChunkSource {
  readonly #file: string | undefined;
  readonly #tmpDir: string;
  readonly #positions = new Map<string, { position: number; size: number }>();
  readonly #spooled = new Map<string, number>();
  #handle: Promise<FileHandle> | undefined;
  #spoolDir: string | undefined;
  #spoolBytes = 0;
  #peakSpoolBytes = 0;
  #closed = false;
  readonly #onExit = () => this.#removeSpoolSync();
  readonly #onSignal = (signal: NodeJS.Signals) => {
    this.#removeSpoolSync();
    // Alone, this handler would keep the process alive: it dies by the signal as it would have without one. When a
    // command handles the signal itself (restore stops its run), that handler decides.
    if (process.listenerCount(signal) === 1) {
      this.#unlisten();
      process.kill(process.pid, signal);
    }
  };

  constructor(options: ChunkCollectorOptions = {}) {
    this.#file = options.file;
    this.#tmpDir = options.tmpDir ?? tmpdir();
  }

  /** True when chunks are read back from the bundle file rather than spooled. */
  get randomAccess(): boolean {
    return this.#file !== undefined;
  }

  /** The largest the spool directory grew, in bytes (0 when reading from a file). */
  get peakSpoolBytes(): number {
    return this.#peakSpoolBytes;
  }

  /** Takes a chunk entry as the reader yields it: remembers where it is, or spools its stored bytes. */
  async add(entry: ChunkEntry): Promise<void> {
    if (this.#closed) throw new InternalError('chunk collector closed');
    if (this.#file !== undefined && entry.position >= 0) {
      this.#positions.set(entry.sha256, { position: entry.position, size: entry.size });
      await entry.skip();
      return;
    }
    const bytes = await entry.read();
    const dir = this.#spool();
    await writeFile(join(dir, entry.sha256), bytes, { mode: 0o600, flag: 'wx' });
    this.#spooled.set(entry.sha256, bytes.byteLength);
    this.#spoolBytes += bytes.byteLength;
    this.#peakSpoolBytes = Math.max(this.#peakSpoolBytes, this.#spoolBytes);
  }

  async read(sha256: string): Promise<Uint8Array | undefined> {
    const at = this.#positions.get(sha256);
    if (at) {
      this.#handle ??= open(this.#file as string, 'r');
      const handle = await this.#handle;
      const bytes = Buffer.allocUnsafe(at.size);
      let done = 0;
      while (done < at.size) {
        const { bytesRead } = await handle.read(bytes, done, at.size - done, at.position + done);
        if (bytesRead === 0) return undefined;
        done += bytesRead;
      }
      return bytes;
    }
    if (this.#spooled.has(sha256) && this.#spoolDir) return readFile(join(this.#spoolDir, sha256));
    return undefined;
  }

  /** Closes the bundle file and removes the spool directory. */
  async close(): Promise<void> {
    this.#closed = true;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await (await handle.catch(() => undefined))?.close();
    if (this.#spoolDir) {
      await rm(this.#spoolDir, { recursive: true, force: true });
      this.#spoolDir = undefined;
      this.#unlisten();
    }
  }

  #spool(): string {
    if (!this.#spoolDir) {
      // mkdtemp creates the directory with mode 0700: only this user can list or read the chunks.
      this.#spoolDir = mkdtempSync(join(this.#tmpDir, 'kvbackup-chunks-'));
      process.on('exit', this.#onExit);
      for (const signal of SIGNALS) process.on(signal, this.#onSignal);
    }
    return this.#spoolDir;
  }

  #unlisten(): void {
    process.off('exit', this.#onExit);
    for (const signal of SIGNALS) process.off(signal, this.#onSignal);
  }

  #removeSpoolSync(): void {
    if (this.#spoolDir) rmSync(this.#spoolDir, { recursive: true, force: true });
  }
}

// Reads a bundle file in large segments into a few reused buffers, for the reader's tar parsing and verbatim copies.

import { read } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

/**
 * Bytes per read: small enough that a piece read is written out again while it is still in the CPU's cache (a plain
 * copy of a gibibyte file cost the kernel 1.0-1.3 s through 128 KiB pieces, 1.5 s through 256 KiB, 2.1-2.6 s
 * through 1 MiB), large enough that the work per piece (a read, the tar parser, a write) stays small: 256 KiB gave
 * transform the shortest runs against 128 KiB and 4 MiB. The buffers are reused: a fresh one per read made a
 * gibibyte bundle cost dozens of full garbage collections (each buffer is external memory V8 accounts for).
 */
export const SEGMENT_BYTES = 256 * 1024;
/** Free buffers kept for reuse; more may be in use at once (see `FileSegments`), the extra ones are then dropped. */
export const POOL_SEGMENTS = 16;

interface Segment {
  /** File position of the first byte. */
  start: number;
  /** File position after the last byte read. */
  end: number;
  buffer: Buffer;
  /** Ranges lent out (`hold`) and not yet released. */
  holds: number;
}

/**
 * A file read from its start as a stream of segments whose buffers come back for later reads. The bytes of a
 * segment are views handed down a pipeline (gunzip is never in it: only plain tar is read this way), so a buffer
 * is reused only when nothing can still see it:
 *
 * - the consumer has taken every byte before it out of the pipeline (`consumed(position)`, which the reader calls
 *   with the body position of each entry it takes: tar-stream has then decoded every header before it and handed
 *   out every body byte before it, as views or copies);
 * - no range in it is lent out (`hold` until its `release`), as the bytes of a chunk being written elsewhere;
 * - nothing took ownership of bytes in it (`detach`, for callers that keep what they read).
 *
 * Reuse is a saving, never a wait: when no free buffer is at hand a new one is allocated, so the pipeline's own
 * backpressure bounds the memory as with any stream, and a consumer that holds bytes long never stalls the reads.
 */
export class FileSegments {
  readonly #handle: FileHandle;
  readonly #segmentBytes: number;
  readonly #poolSize: number;
  readonly #free: Buffer[] = [];
  /** Segments read and not yet freed or detached, in file order. */
  #live: Segment[] = [];
  #consumed = 0;
  #position = 0;
  #closed = false;
  /** Buffers allocated (not taken from the free list): for tests. */
  allocated = 0;

  private constructor(handle: FileHandle, segmentBytes: number, poolSize: number) {
    this.#handle = handle;
    this.#segmentBytes = segmentBytes;
    this.#poolSize = poolSize;
  }

  static async open(path: string, options: { segmentBytes?: number; poolSize?: number } = {}): Promise<FileSegments> {
    const handle = await open(path, 'r');
    return new FileSegments(handle, options.segmentBytes ?? SEGMENT_BYTES, options.poolSize ?? POOL_SEGMENTS);
  }

  /** The file's first `length` bytes (fewer when it is shorter), read apart from the stream. */
  async head(length: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.#handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  }

  /** The file from its start, in segments. Ends at the end of the file; closes the file when destroyed or ended. */
  stream(): Readable {
    const segments = this;
    return new Readable({
      // One segment buffered ahead of the consumer: reading overlaps parsing, and little waits in memory.
      highWaterMark: this.#segmentBytes,
      read() {
        segments.#readNext().then(
          (bytes) => this.push(bytes),
          (error: unknown) => this.destroy(error as Error),
        );
      },
      destroy(error, callback) {
        segments.close().then(
          () => callback(error),
          () => callback(error),
        );
      },
    });
  }

  /** Everything before `position` has left the pipeline: segments wholly before it may be reused. */
  consumed(position: number): void {
    if (position > this.#consumed) this.#consumed = position;
    this.#recycle();
  }

  /** Keeps the segments holding `[position, position + length)` from reuse until the returned function is called. */
  hold(position: number, length: number): () => void {
    const held = this.#overlapping(position, length);
    for (const segment of held) segment.holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const segment of held) segment.holds -= 1;
      this.#recycle();
    };
  }

  /** The caller keeps views of `[position, position + length)`: their segments are never reused. */
  detach(position: number, length: number): void {
    const detached = new Set(this.#overlapping(position, length));
    this.#live = this.#live.filter((segment) => !detached.has(segment));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#free.length = 0;
    this.#live = [];
    await this.#handle.close();
  }

  async #readNext(): Promise<Buffer | null> {
    if (this.#closed) return null;
    const buffer = this.#free.pop() ?? this.#allocate();
    let filled = 0;
    while (filled < buffer.byteLength) {
      const bytesRead = await readAt(this.#handle.fd, buffer, filled, this.#position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled === 0) {
      this.#release(buffer);
      return null;
    }
    const segment: Segment = { start: this.#position, end: this.#position + filled, buffer, holds: 0 };
    this.#position += filled;
    this.#live.push(segment);
    return buffer.subarray(0, filled);
  }

  #allocate(): Buffer {
    this.allocated += 1;
    return Buffer.allocUnsafeSlow(this.#segmentBytes);
  }

  #overlapping(position: number, length: number): Segment[] {
    const end = position + Math.max(1, length);
    return this.#live.filter((segment) => segment.start < end && segment.end > position);
  }

  /** Frees the segments wholly consumed and not held (a held one does not keep later ones from reuse). */
  #recycle(): void {
    this.#live = this.#live.filter((segment) => {
      if (segment.end > this.#consumed || segment.holds > 0) return true;
      this.#release(segment.buffer);
      return false;
    });
  }

  #release(buffer: Buffer): void {
    if (!this.#closed && this.#free.length < this.#poolSize) this.#free.push(buffer);
  }
}

/** One read at `position` into the rest of `buffer`, through the callback API: a read per segment, and the promise API costs more per call. */
function readAt(fd: number, buffer: Buffer, offset: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, offset, buffer.byteLength - offset, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))));
}

// Download progress on stderr, only when stderr is a terminal: one line rewritten in place.

import type { Writable } from 'node:stream';

export interface ProgressReporter {
  /** Passes the chunks through, counting them. */
  track(chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer>;
  /** Counts bytes that arrived elsewhere (parallel range requests). */
  add(bytes: number): void;
  done(): void;
}

const REDRAW_MS = 250;

/** A reporter that draws `label  42% 1.2 GiB / 2.9 GiB` on a TTY and does nothing otherwise (pipes, logs, CI). */
export function progressReporter(stderr: Writable & { isTTY?: boolean }, label: string, total: number): ProgressReporter {
  if (!stderr.isTTY) {
    return { track: (chunks) => chunks, add() {}, done() {} };
  }
  let seen = 0;
  let drawn = 0;
  const draw = () => {
    const percent = total > 0 ? Math.floor((seen / total) * 100) : 100;
    stderr.write(`\r${label}  ${String(percent).padStart(3)}% ${formatSize(seen)} / ${formatSize(total)}\u001b[K`);
  };
  const add = (bytes: number) => {
    seen += bytes;
    if (Date.now() - drawn >= REDRAW_MS) {
      drawn = Date.now();
      draw();
    }
  };
  return {
    async *track(chunks) {
      for await (const chunk of chunks) {
        add(chunk.length);
        yield chunk;
      }
    },
    add,
    done() {
      draw();
      stderr.write('\n');
    },
  };
}

/** `512 B`, `3.4 MiB`, `1.2 GiB`. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

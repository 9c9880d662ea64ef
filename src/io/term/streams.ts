// The process's standard streams, passed to the use cases so tests and pipes see the same code path.

import type { Readable, Writable } from 'node:stream';

export interface StdStreams {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

export function processStreams(): StdStreams {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** Writes one diagnostic line to stderr. */
export function note(streams: StdStreams, message: string): void {
  streams.stderr.write(`${message}\n`);
}

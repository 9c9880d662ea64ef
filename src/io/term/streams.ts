// The process's standard streams, passed to the use cases so tests and pipes see the same code path.

import type { Readable, Writable } from 'node:stream';
import { escapingTextWrites } from './escape.ts';

export interface StdStreams {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

/** The process's streams, with control characters in text escaped (bundles, written as bytes, pass unchanged). */
export function processStreams(): StdStreams {
  return { stdin: process.stdin, stdout: escapingTextWrites(process.stdout), stderr: escapingTextWrites(process.stderr) };
}

/** Writes one diagnostic line to stderr. */
export function note(streams: StdStreams, message: string): void {
  streams.stderr.write(`${message}\n`);
}

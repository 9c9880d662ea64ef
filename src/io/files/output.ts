// Where a command's result goes: stdout, or a file written under a temporary name and renamed when complete.

import type { Writable } from 'node:stream';
import { UsageError } from '../../errors.ts';
import type { StdStreams } from '../term/streams.ts';
import { openAtomicFile } from './atomic-write.ts';

export interface Output {
  stream: Writable;
  /** Flushes; for a file, renames it into place. */
  commit(): Promise<void>;
  /** For a file, removes the temporary file; nothing is left behind. */
  abort(): Promise<void>;
}

/**
 * Opens `--output-file <path|->`. A bundle (binary) is refused on a terminal, as gzip and tar do,
 * so a forgotten redirect does not flood the screen.
 */
export async function openOutput(outputFile: string, streams: StdStreams, options: { binary: boolean }): Promise<Output> {
  if (outputFile !== '-') return openAtomicFile(outputFile);
  if (options.binary && streams.stdout.isTTY) {
    throw new UsageError('refusing to write a bundle to a terminal: redirect stdout or pass --output-file <path>');
  }
  const stdout = streams.stdout;
  return {
    stream: stdout,
    commit: () => new Promise<void>((resolve) => (stdout.writableNeedDrain ? stdout.once('drain', resolve) : resolve())),
    abort: async () => {},
  };
}

/** Writes `text` to the output and commits it, removing a partial file on failure. */
export async function writeOutput(outputFile: string, streams: StdStreams, text: string): Promise<void> {
  const output = await openOutput(outputFile, streams, { binary: false });
  try {
    output.stream.write(text);
    await output.commit();
  } catch (cause) {
    await output.abort();
    throw cause;
  }
}

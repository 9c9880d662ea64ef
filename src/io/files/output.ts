// Where a command's result goes: stdout, or a file written under a temporary name and renamed when complete.

import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { InputError, UsageError } from '../../errors.ts';
import type { StdStreams } from '../term/streams.ts';
import { openAtomicFile } from './atomic-write.ts';
import { fsErrorCode, withPath } from './path-error.ts';

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
  if (outputFile !== '-') return openFileOutput(outputFile);
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

/**
 * A file written under a temporary name beside its real destination: through a symbolic link to the file it names
 * (as `>` writes), in the directory the path resolves to, so the final rename never crosses file systems. Every
 * file system failure is one line naming the path the user gave.
 */
async function openFileOutput(path: string): Promise<Output> {
  const destination = await withPath(path, () => realDestination(path));
  if (await stat(destination).then((info) => info.isDirectory(), () => false)) throw new InputError(`${path}: is a directory`);
  const file = await withPath(path, () => openAtomicFile(destination));
  return {
    stream: file.stream,
    commit: () => withPath(path, () => file.commit()),
    abort: () => file.abort(),
  };
}

async function realDestination(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if (fsErrorCode(error) !== 'ENOENT') throw error;
    // A new file (or a dangling link, written as a new file beside it): the real directory, the name as given.
    return join(await realpath(dirname(path)), basename(path));
  }
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

// Where a command's result goes: stdout, or a file written under a temporary name and renamed when complete.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { InputError, UsageError } from '../../errors.ts';
import { isOciLocation } from '../oci/reference.ts';
import { registrySettings } from '../oci/settings.ts';
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
  if (isOciLocation(outputFile)) {
    if (!options.binary) throw new UsageError(`${outputFile}: only a bundle can be written to a registry`);
    const { openRegistryOutput } = await import('../oci/registry-output.ts');
    return openRegistryOutput(outputFile, registrySettings(), (pushed) => streams.stderr.write(`pushed ${pushed.reference}\n`));
  }
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
  const existing = await stat(destination).catch(() => undefined);
  if (existing?.isDirectory()) throw new InputError(`${path}: is a directory`);
  // A device or a pipe (/dev/stdout, a FIFO) is written to as it is: renaming a file over it would replace it.
  if (existing && !existing.isFile()) return openDirect(path, destination);
  const file = await withPath(path, () => openAtomicFile(destination));
  return {
    stream: file.stream,
    commit: () => withPath(path, () => file.commit()),
    abort: () => file.abort(),
  };
}

async function openDirect(path: string, destination: string): Promise<Output> {
  const stream = createWriteStream(destination, { flags: 'w' });
  await withPath(path, () => once(stream, 'open'));
  return {
    stream,
    commit: () => withPath(path, async () => {
      stream.end();
      await finished(stream);
    }),
    abort: async () => {
      stream.destroy();
    },
  };
}

/** Where a write to `path` lands: through symbolic links (also dangling ones, as `>` follows them), in the real directory. */
async function realDestination(path: string, depth = 0): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if (fsErrorCode(error) !== 'ENOENT') throw error;
    const link = await readlink(path).catch(() => undefined);
    if (link !== undefined && depth < 32) return realDestination(resolve(dirname(path), link), depth + 1);
    // A new file: the real directory, the name as given.
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

// Reads `-f` (repeatable, `-R` for subdirectories): files, directories or stdin; tells a bundle from manifests by its first bytes.

import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InputError, UsageError } from '../../errors.ts';
import { unknownTypeWarning } from '../../model/api-groups.ts';
import type { SourcedObject } from '../../model/object-index.ts';
import { parseManifests } from '../../model/parse-manifests.ts';
import { isOciLocation } from '../oci/reference.ts';
import { registrySettings } from '../oci/settings.ts';
import type { StdStreams } from '../term/streams.ts';
import { pathError, withPath } from './path-error.ts';

/** Manifest text larger than this is refused (a bundle has no such bound: it is streamed). */
export const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** What `-f` and `-R` name. */
export interface InputFiles {
  /** Paths, `-` for stdin; at least one. */
  filenames: readonly string[];
  /** `-R`: directories with their subdirectories. */
  recursive: boolean;
}

export type Input =
  | { type: 'manifests'; objects: SourcedObject[]; warnings: string[] }
  | { type: 'bundle'; stream: Readable; source: string; gzipped: boolean; /** Set when the bundle is a regular file (it can be read again at any offset). */ file?: string };

/** `a.yaml`, `a.yaml, dir/` or `stdin`: the input as messages name it. */
export function describeInput(files: InputFiles): string {
  return files.filenames.map((name) => (name === '-' ? 'stdin' : name)).join(', ');
}

/**
 * Opens every `-f`. Manifests are parsed and concatenated in the order given; a bundle must be the only input and
 * is handed back as a stream positioned at its start. Objects of a KubeVirt or CDI group that name a kind or
 * version the group does not serve come back as warnings, one line each.
 */
export async function readInput(files: InputFiles, streams: StdStreams): Promise<Input> {
  if (files.filenames.length === 0) throw new UsageError('name the input with -f <path|->');
  if (files.filenames.filter((name) => name === '-').length > 1) throw new UsageError('-f - (stdin) can be given only once');
  const objects: SourcedObject[] = [];
  for (const filename of files.filenames) {
    const input = await readOne(filename, files.recursive, streams);
    if (input.type === 'bundle') {
      if (files.filenames.length > 1) {
        input.stream.destroy();
        throw new InputError(`${input.source}: a bundle must be the only input; pass it alone with -f`);
      }
      return input;
    }
    objects.push(...input.objects);
  }
  const warnings: string[] = [];
  for (const { object, source } of objects) {
    const warning = unknownTypeWarning(object);
    if (warning) warnings.push(`${source}: ${warning}`);
  }
  return { type: 'manifests', objects, warnings };
}

async function readOne(filename: string, recursive: boolean, streams: StdStreams): Promise<Input> {
  if (filename === '-') return classify(streams.stdin, '<stdin>');
  if (isOciLocation(filename)) return { type: 'bundle', ...(await openRegistryInput(filename)), gzipped: false };
  const info = await withPath(filename, () => stat(filename));
  if (info.isDirectory()) return { type: 'manifests', objects: await readDirectory(filename, recursive), warnings: [] };
  const file = createReadStream(filename, { highWaterMark: READ_CHUNK_BYTES });
  const input = await classify(file, filename);
  if (input.type !== 'bundle') return input;
  // Closing the bundle's stream closes the file, also before it was read (the reader may read the file by other means).
  input.stream.once('close', () => file.destroy());
  return info.isFile() ? { ...input, file: filename } : input;
}

/** Read size for bundle files: large reads keep a bundle of volume data flowing at disk speed. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** The manifest files of a directory (`.yaml`, `.yml`, `.json`, as kubectl reads them), sorted; subdirectories with -R. */
async function readDirectory(directory: string, recursive: boolean): Promise<SourcedObject[]> {
  const entries = (await withPath(directory, () => readdir(directory, { withFileTypes: true }))).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const objects: SourcedObject[] = [];
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (recursive) objects.push(...(await readDirectory(path, true)));
      continue;
    }
    if (!entry.isFile() || !MANIFEST_EXTENSIONS.some((extension) => entry.name.endsWith(extension))) continue;
    const input = await classify(createReadStream(path), path);
    if (input.type === 'bundle') {
      input.stream.destroy();
      throw new InputError(`${path}: a bundle cannot be read as part of a directory of manifests; pass it with -f`);
    }
    objects.push(...input.objects);
  }
  return objects;
}

async function classify(stream: Readable, source: string): Promise<Input> {
  const { head, rest } = await peek(stream, 263, source);
  if (looksLikeBundle(head)) return { type: 'bundle', stream: rest, source, gzipped: head[0] === 0x1f };
  const text = await readText(rest, source);
  return { type: 'manifests', objects: parseManifests(text, source), warnings: [] };
}

/** gzip magic, or the `ustar` magic of a tar header. */
export function looksLikeBundle(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** Reads the first `bytes` bytes and returns them with a stream that replays them before the rest. */
async function peek(stream: Readable, bytes: number, source: string): Promise<{ head: Buffer; rest: Readable }> {
  const iterator: AsyncIterator<Buffer> = stream[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  try {
    while (length < bytes) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      chunks.push(next.value);
      length += next.value.length;
    }
  } catch (cause) {
    const mapped = pathError(source, cause);
    throw mapped instanceof InputError ? mapped : new InputError(`${source}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, rest: Readable.from(replay(), { objectMode: false }) };
}

async function readText(stream: Readable, source: string): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of readChunks(stream, source)) {
    length += chunk.length;
    if (length > MAX_MANIFEST_BYTES) {
      stream.destroy();
      throw new InputError(`${source}: manifests larger than ${MAX_MANIFEST_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const buffer = Buffer.concat(chunks);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buffer);
  if (text.includes('\u0000')) throw new InputError(`${source}: not a manifest or a bundle (binary data)`);
  return text;
}

/** The stream's chunks; a read failure is one line naming the source. */
async function* readChunks(stream: Readable, source: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } catch (cause) {
    throw pathError(source, cause);
  }
}

/** Opens `-f <path|->` as a byte stream, for commands that take only a bundle. */
export async function openInputStream(filename: string, streams: StdStreams): Promise<{ stream: Readable; source: string }> {
  if (filename === '-') return { stream: streams.stdin, source: '<stdin>' };
  if (isOciLocation(filename)) return openRegistryInput(filename);
  const info = await withPath(filename, () => stat(filename));
  if (!info.isFile()) throw new InputError(`${filename}: not a bundle file`);
  return { stream: createReadStream(filename, { highWaterMark: READ_CHUNK_BYTES }), source: filename };
}

/**
 * `oci://HOST/REPOSITORY:TAG` as a bundle stream: the tar rebuilt from the registry's blobs, each verified before
 * it is passed on. The client is loaded only here, so commands that read files never load it.
 */
async function openRegistryInput(location: string): Promise<{ stream: Readable; source: string }> {
  const { openRegistryBundle } = await import('../oci/pull.ts');
  const { stream, source } = await openRegistryBundle(location, registrySettings());
  return { stream, source };
}

/** The text of `-o jsonpath-file=<file>`; a trailing newline is dropped, as kubectl does. */
export async function readTemplateFile(file: string): Promise<string> {
  const text = await withPath(file, () => readFile(file, 'utf8'));
  return text.replace(/\r?\n$/, '');
}

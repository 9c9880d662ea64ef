// Reads `-f`: a file, a directory (not recursive) or stdin; tells a bundle from manifests by its first bytes.

import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InputError } from '../../errors.ts';
import type { SourcedObject } from '../../model/object-index.ts';
import { parseManifests } from '../../model/parse-manifests.ts';
import type { StdStreams } from '../term/streams.ts';

/** Manifest text larger than this is refused (a bundle has no such bound: it is streamed). */
export const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export type Input =
  | { type: 'manifests'; objects: SourcedObject[] }
  | { type: 'bundle'; stream: Readable; source: string; gzipped: boolean; /** Set when the bundle is a regular file (it can be read again at any offset). */ file?: string };

/** Opens `-f <path|->`. Manifests are parsed; a bundle is handed back as a stream positioned at its start. */
export async function readInput(filename: string, streams: StdStreams): Promise<Input> {
  if (filename === '-') return classify(streams.stdin, '<stdin>');
  const info = await stat(filename).catch((cause: NodeJS.ErrnoException) => {
    throw new InputError(`${filename}: ${cause.code === 'ENOENT' ? 'no such file or directory' : cause.message}`);
  });
  if (info.isDirectory()) return { type: 'manifests', objects: await readDirectory(filename) };
  const input = await classify(createReadStream(filename, { highWaterMark: READ_CHUNK_BYTES }), filename);
  return input.type === 'bundle' && info.isFile() ? { ...input, file: filename } : input;
}

/** Read size for bundle files: large reads keep a bundle of volume data flowing at disk speed. */
const READ_CHUNK_BYTES = 1024 * 1024;

async function readDirectory(directory: string): Promise<SourcedObject[]> {
  const names = (await readdir(directory, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && MANIFEST_EXTENSIONS.some((extension) => entry.name.endsWith(extension)))
    .map((entry) => entry.name)
    .sort();
  const objects: SourcedObject[] = [];
  for (const name of names) {
    const path = join(directory, name);
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
  return { type: 'manifests', objects: parseManifests(text, source) };
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
    throw new InputError(`${source}: ${cause instanceof Error ? cause.message : String(cause)}`);
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
  for await (const chunk of stream as AsyncIterable<Buffer>) {
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

/** Opens `-f <path|->` as a byte stream, for commands that take only a bundle. */
export async function openInputStream(filename: string, streams: StdStreams): Promise<{ stream: Readable; source: string }> {
  if (filename === '-') return { stream: streams.stdin, source: '<stdin>' };
  const info = await stat(filename).catch((cause: NodeJS.ErrnoException) => {
    throw new InputError(`${filename}: ${cause.code === 'ENOENT' ? 'no such file or directory' : cause.message}`);
  });
  if (!info.isFile()) throw new InputError(`${filename}: not a bundle file`);
  return { stream: createReadStream(filename, { highWaterMark: READ_CHUNK_BYTES }), source: filename };
}

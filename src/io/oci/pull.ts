// Reads a bundle from a registry as the exact tar that was pushed: every blob fetched, verified, then framed as its entry.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  ArtifactProblem,
  DEFAULT_LIMITS,
  OCI_INDEX_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  readBundleIndex,
  readChunkManifest,
  readMetadataManifest,
  type BundleLimits,
  type PlannedEntry,
} from '../../bundle/index.ts';
import { InputError } from '../../errors.ts';
import { bundleMtimeOfHeader, END_OF_ARCHIVE, padding, tarHeaderBlocks } from '../tar/tar-header.ts';
import { RegistryClient, type RegistryOptions } from './client.ts';
import { formatOciReference, manifestReference, parseOciReference, type OciReference } from './reference.ts';

/** Blob fetches kept in flight ahead of the one being passed on, and the bytes they may hold together. */
const PREFETCH_BLOBS = 8;
const PREFETCH_BYTES = 64 * 1024 * 1024;

export interface RegistryBundle {
  /** The bundle's tar, rebuilt entry by entry; fails (one InputError line) on the first blob that does not verify. */
  stream: Readable;
  /** `oci://host/repository:tag@digest`: names the bundle in messages. */
  source: string;
  /** Digest of the image index read. */
  digest: string;
  client: RegistryClient;
}

/**
 * Opens `oci://…` for reading: resolves the tag to the bundle's image index, reads and checks the manifests, and
 * returns the tar stream that the bundle reader takes like a file's. Memory stays bounded: one chunk manifest at a
 * time, and at most PREFETCH_BYTES of blobs fetched ahead.
 */
export async function openRegistryBundle(location: string, options: RegistryOptions, limits: BundleLimits = DEFAULT_LIMITS): Promise<RegistryBundle> {
  const reference = parseOciReference(location);
  const client = new RegistryClient(reference, options, 'pull');
  const source = formatOciReference(reference);
  try {
    const top = await client.getManifest(manifestReference(reference), [OCI_INDEX_MEDIA_TYPE]);
    const index = artifact(source, () => readBundleIndex(parseJson(source, 'image index', top.bytes)));
    const metadataManifest = await client.getManifest(index.metadata.digest, [OCI_MANIFEST_MEDIA_TYPE]);
    const plan = artifact(source, () => readMetadataManifest(parseJson(source, 'metadata manifest', metadataManifest.bytes), limits));
    const header = await client.readBlob(blobDigest(plan.header), limits.maxJsonEntryBytes);
    const mtime = bundleMtimeOfHeader(header);

    async function* entries(): AsyncGenerator<PlannedEntry | { path: string; bytes: Buffer }> {
      yield { path: plan.header.path, bytes: header };
      yield* plan.leading;
      let chunks = 0;
      let next = 0;
      for (const [i, descriptor] of index.chunks.entries()) {
        const where = `chunk manifest ${i + 1}`;
        const manifest = await client.getManifest(descriptor.digest, [OCI_MANIFEST_MEDIA_TYPE]);
        const planned = artifact(source, () => readChunkManifest(parseJson(source, where, manifest.bytes), where, limits));
        for (const chunk of planned) {
          while (next < plan.indexes.length && (plan.indexes[next]?.chunksBefore ?? 0) <= chunks) yield (plan.indexes[next++] as { entry: PlannedEntry }).entry;
          yield chunk;
          chunks += 1;
        }
      }
      for (; next < plan.indexes.length; next += 1) {
        const index = plan.indexes[next] as { entry: PlannedEntry; chunksBefore: number };
        if (index.chunksBefore !== chunks) throw new InputError(`${source}: ${index.entry.path} says ${index.chunksBefore} chunks come before it, the bundle has ${chunks}`);
        yield index.entry;
      }
      yield plan.trailer;
    }

    async function* tar(): AsyncGenerator<Buffer> {
      const whole = createHash('sha256');
      let size = 0;
      const emit = (bytes: Buffer) => {
        whole.update(bytes);
        size += bytes.byteLength;
        return bytes;
      };
      for await (const { path, bytes } of fetchAhead(client, entries())) {
        yield emit(tarHeaderBlocks({ name: path, size: bytes.byteLength, mtime }));
        yield emit(bytes);
        const pad = padding(bytes.byteLength);
        if (pad.byteLength > 0) yield emit(pad);
      }
      yield emit(END_OF_ARCHIVE);
      const digest = whole.digest('hex');
      if (index.tar && (index.tar.sha256 !== digest || index.tar.size !== size)) {
        throw new InputError(`${source}: the rebuilt bundle has sha256 ${digest} (${size} bytes), the image index says ${index.tar.sha256} (${index.tar.size} bytes)`);
      }
    }

    const stream = Readable.from(tar(), { objectMode: false, highWaterMark: 1 });
    stream.once('close', () => client.close());
    return { stream, source: `${source}@${top.digest}`, digest: top.digest, client };
  } catch (error) {
    client.close();
    throw error;
  }
}

/**
 * Fetches the entries' blobs with up to PREFETCH_BLOBS (and PREFETCH_BYTES) in flight, yielding them in order,
 * each verified against its digest (`readBlob`) before it is yielded.
 */
async function* fetchAhead(client: RegistryClient, entries: AsyncIterable<PlannedEntry | { path: string; bytes: Buffer }>): AsyncGenerator<{ path: string; bytes: Buffer }> {
  const queue: { path: string; size: number; bytes: Promise<Buffer> }[] = [];
  let inFlight = 0;
  const iterator = entries[Symbol.asyncIterator]();
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && queue.length < PREFETCH_BLOBS && (queue.length === 0 || inFlight < PREFETCH_BYTES)) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const entry = next.value;
        if ('bytes' in entry) {
          queue.push({ path: entry.path, size: entry.bytes.byteLength, bytes: Promise.resolve(entry.bytes) });
          continue;
        }
        const bytes = client.readBlob(blobDigest(entry), entry.size).then((body) => {
          if (body.byteLength !== entry.size) throw new InputError(`${formatOciReference(client.reference)}: blob of ${entry.path} holds ${body.byteLength} bytes, the manifest says ${entry.size}`);
          return body;
        });
        // Rejections are awaited in order below; this keeps an early one from being reported as unhandled.
        bytes.catch(() => {});
        queue.push({ path: entry.path, size: entry.size, bytes });
        inFlight += entry.size;
      }
      const head = queue.shift();
      if (!head) return;
      const bytes = await head.bytes;
      inFlight -= head.size;
      yield { path: head.path, bytes };
    }
  } finally {
    await iterator.return?.();
  }
}

function blobDigest(entry: PlannedEntry): string {
  return `sha256:${entry.sha256}`;
}

function parseJson(source: string, what: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InputError(`${source}: the ${what} is not JSON`);
  }
}

function artifact<T>(source: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ArtifactProblem) throw new InputError(`${source}: ${error.message}`);
    throw error;
  }
}

export type { OciReference };

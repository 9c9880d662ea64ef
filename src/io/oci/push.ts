// Pushes a bundle read from a stream to a registry: every entry a blob (uploaded only when missing), manifests last.

import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import {
  buildBundleIndex,
  buildBundleManifests,
  chunkPath,
  CREATED_ANNOTATION,
  encodeOciJson,
  HEADER_PATH,
  MAX_MANIFEST_BYTES,
  OCI_EMPTY_BYTES,
  OCI_EMPTY_DIGEST,
  OCI_INDEX_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  ociDigest,
  TAR_SHA256_ANNOTATION,
  TAR_SIZE_ANNOTATION,
  type PushedEntry,
} from '../../bundle/index.ts';
import { InputError } from '../../errors.ts';
import { looksLikeZstd, zstdDecode } from '../chunks/codec.ts';
import { openBundle } from '../tar/bundle-reader.ts';
import { bundleMtimeOfHeader, END_OF_ARCHIVE, padding, tarHeaderBlocks } from '../tar/tar-header.ts';
import { RegistryClient, type RegistryOptions, type TransferCounters } from './client.ts';
import { formatOciReference, manifestReference, parseOciReference } from './reference.ts';

/** Blob uploads (each preceded by its HEAD) in flight at once, and the bytes they may hold together. */
const UPLOADS_IN_FLIGHT = 4;
const UPLOAD_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

export interface PushOptions {
  registry: RegistryOptions;
  /** Names the input in messages (a file name, `<stdin>`). */
  source: string;
  /** Called with the stored bytes of each entry as it is done (uploaded or found in the registry). */
  onProgress?: (bytes: number) => void;
}

export interface PushResult {
  /** `oci://host/repository:tag@sha256:…` of the pushed image index. */
  reference: string;
  digest: string;
  /** Bundle entries (blobs) and their stored bytes. */
  blobs: number;
  blobBytes: number;
  /** What the registry already held and was not sent again. */
  skippedBlobs: number;
  skippedBytes: number;
  counters: TransferCounters;
  /** sha256 and size of the tar that pulling rebuilds; `identical` when that is the input byte for byte. */
  tar: { sha256: string; size: number; identical: boolean };
}

/**
 * Reads the bundle from `input` in one pass (every entry checked as `validate` does; each chunk's content decoded
 * and hashed against its name before it is uploaded), HEADs each blob and uploads the missing ones, then pushes the
 * chunk manifests, the metadata manifest and the image index under the tag, last, only once the whole bundle
 * checked out. A failure before that leaves at most unreferenced blobs, which the registry's garbage collection
 * removes.
 */
export async function pushBundle(input: Readable, location: string, options: PushOptions): Promise<PushResult> {
  const reference = parseOciReference(location);
  const client = new RegistryClient(reference, options.registry, 'push');
  const uploads = new UploadQueue(client, options.onProgress);
  const entries: PushedEntry[] = [];
  const canonical = createHash('sha256');
  let canonicalSize = 0;
  let mtime = 0;
  const frame = (path: string, parts: readonly Uint8Array[], size: number) => {
    for (const bytes of [tarHeaderBlocks({ name: path, size, mtime }), ...parts, padding(size)]) {
      canonical.update(bytes);
      canonicalSize += bytes.byteLength;
    }
  };
  const inputHash = createHash('sha256');
  let inputSize = 0;
  const tee = new PassThrough({ highWaterMark: 1024 * 1024 });
  input.on('data', (bytes: Buffer) => {
    inputHash.update(bytes);
    inputSize += bytes.byteLength;
  });
  input.on('error', (error) => tee.destroy(error));
  input.pipe(tee);
  const reader = await openBundle(tee, {
    source: options.source,
    verifyChunks: 'stored',
    skipGraph: true,
    onEntryBytes(path, stored) {
      if (path === HEADER_PATH) mtime = bundleMtimeOfHeader(stored);
      const sha256 = createHash('sha256').update(stored).digest('hex');
      entries.push({ path, sha256, size: stored.byteLength });
      frame(path, [stored], stored.byteLength);
      // A failure is kept by the queue and thrown by the next add or drain.
      uploads.add(ociDigest(sha256), [stored]).catch(() => {});
    },
  });
  try {
    const metadata = await reader.metadata();
    if (reader.version !== 'v1alpha2') throw new InputError(`${options.source}: a ${reader.version} bundle cannot be pushed; rewrite it as v1alpha2 with transform first`);
    for await (const entry of reader.dataEntries()) {
      if (entry.kind !== 'chunk') continue;
      const parts = await entry.readParts();
      const { storedSha256, zstd } = await verifyChunk(entry.sha256, parts, options.source);
      // Entries are recorded in bundle order: an index (recorded by onEntryBytes) after the chunks before it.
      entries.push({ path: entry.path, sha256: storedSha256, size: entry.size, zstd });
      frame(entry.path, parts, entry.size);
      await uploads.add(ociDigest(storedSha256), parts);
    }
    await reader.finish();
    await uploads.drain();
    canonical.update(END_OF_ARCHIVE);
    canonicalSize += END_OF_ARCHIVE.byteLength;
    const tarSha256 = canonical.digest('hex');

    const createdAt = metadata.header.createdAt;
    const { metadata: metadataManifest, chunks } = buildBundleManifests(entries, { createdAt });
    if (chunks.length > 0) await uploads.add(OCI_EMPTY_DIGEST, [Buffer.from(OCI_EMPTY_BYTES)]);
    await uploads.drain();
    const pushed: { digest: string; size: number }[] = [];
    for (const manifest of [metadataManifest, ...chunks]) {
      const bytes = encodeOciJson(manifest);
      if (bytes.byteLength > MAX_MANIFEST_BYTES) throw new InputError(`${options.source}: the bundle's metadata manifest would be ${bytes.byteLength} bytes, over the ${MAX_MANIFEST_BYTES} a registry must accept (too many objects)`);
      const digest = ociDigest(createHash('sha256').update(bytes).digest('hex'));
      await client.putManifest(digest, OCI_MANIFEST_MEDIA_TYPE, Buffer.from(bytes));
      pushed.push({ digest, size: bytes.byteLength });
    }
    const index = buildBundleIndex(pushed, { [CREATED_ANNOTATION]: createdAt, [TAR_SHA256_ANNOTATION]: tarSha256, [TAR_SIZE_ANNOTATION]: String(canonicalSize) });
    const indexBytes = Buffer.from(encodeOciJson(index));
    const digest = await client.putManifest(manifestReference(reference), OCI_INDEX_MEDIA_TYPE, indexBytes);
    const blobBytes = entries.reduce((sum, entry) => sum + entry.size, 0);
    return {
      reference: `${formatOciReference(reference.tag === undefined ? { registry: reference.registry, repository: reference.repository } : { registry: reference.registry, repository: reference.repository, tag: reference.tag })}@${digest}`,
      digest,
      blobs: entries.length,
      blobBytes,
      skippedBlobs: client.counters.blobsSkipped,
      skippedBytes: uploads.skippedBytes,
      counters: client.counters,
      tar: { sha256: tarSha256, size: canonicalSize, identical: inputHash.digest('hex') === tarSha256 && inputSize === canonicalSize },
    };
  } catch (error) {
    reader.close();
    input.destroy();
    await uploads.settle();
    throw error;
  } finally {
    client.close();
  }
}

/**
 * Checks a chunk's stored bytes against its name, as restore does before writing them: a zstd frame is decoded
 * and its content hashed, raw bytes are hashed. Returns the blob digest (sha256 of the stored bytes).
 */
export async function verifyChunk(name: string, parts: readonly Uint8Array[], source: string): Promise<{ storedSha256: string; zstd: boolean }> {
  const stored = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
  const storedSha256 = createHash('sha256').update(stored).digest('hex');
  if (storedSha256 === name) return { storedSha256, zstd: false };
  if (looksLikeZstd(stored)) {
    try {
      const content = await zstdDecode(stored, 16 * 1024 * 1024);
      if (createHash('sha256').update(content).digest('hex') === name) return { storedSha256, zstd: true };
    } catch {
      // Not a readable frame: reported below like any other mismatch.
    }
  }
  throw new InputError(`${source}: bundle entry ${chunkPath(name)}: content does not match its name (corrupt chunk); nothing was pushed`);
}

/** HEAD then upload, a few at a time; `add` waits while too many bytes are in flight, so memory stays bounded. */
class UploadQueue {
  readonly #client: RegistryClient;
  readonly #onProgress: ((bytes: number) => void) | undefined;
  readonly #running = new Set<Promise<void>>();
  /** Digests handled in this push (a chunk is stored once, but the empty config is shared). */
  readonly #seen = new Set<string>();
  #bytes = 0;
  #failure: unknown;
  skippedBytes = 0;

  constructor(client: RegistryClient, onProgress: ((bytes: number) => void) | undefined) {
    this.#client = client;
    this.#onProgress = onProgress;
  }

  async add(digest: string, parts: readonly Uint8Array[]): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#seen.has(digest)) return;
    this.#seen.add(digest);
    const size = parts.reduce((sum, part) => sum + part.byteLength, 0);
    while (this.#running.size > 0 && (this.#running.size >= UPLOADS_IN_FLIGHT || this.#bytes + size > UPLOAD_BYTES_IN_FLIGHT)) {
      await Promise.race(this.#running);
      if (this.#failure) throw this.#failure;
    }
    this.#bytes += size;
    const task = (async () => {
      if (await this.#client.hasBlob(digest)) {
        this.#client.counters.blobsSkipped += 1;
        this.skippedBytes += size;
      } else {
        await this.#client.uploadBlob(digest, parts);
      }
      this.#onProgress?.(size);
    })().then(
      () => {},
      (error: unknown) => {
        this.#failure ??= error;
      },
    );
    const tracked = task.finally(() => {
      this.#bytes -= size;
      this.#running.delete(tracked);
    });
    this.#running.add(tracked);
  }

  /** Waits for every upload; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    if (this.#failure) throw this.#failure;
  }

  /** Waits for every upload, whatever happened. */
  async settle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }
}

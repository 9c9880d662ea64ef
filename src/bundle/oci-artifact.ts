// How a v1alpha2 bundle maps onto an OCI artifact (an image index of manifests whose blobs are the bundle's entries), both ways.

import { chunkPath, HEADER_PATH, parseEntryPath, TRAILER_PATH, unsafeNameReason, type EntryPath } from './layout.ts';
import { DEFAULT_LIMITS, type BundleLimits } from './limits.ts';

/** The artifact type of a whole bundle: the image index's ARTIFACT_TYPE_ANNOTATION. */
export const BUNDLE_ARTIFACT_TYPE = 'application/vnd.kubevirt.kvbackup.bundle.v1alpha2';
/** The manifest holding the header (as its config) and every entry but the chunks. */
export const METADATA_ARTIFACT_TYPE = 'application/vnd.kubevirt.kvbackup.metadata.v1alpha2';
/** A manifest holding a run of chunk entries. */
export const CHUNKS_ARTIFACT_TYPE = 'application/vnd.kubevirt.kvbackup.chunks.v1alpha2';

export const OCI_INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
/** OCI 1.1's empty config, for the chunk manifests. */
export const OCI_EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
export const OCI_EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
export const OCI_EMPTY_BYTES = '{}';

/** The header (`kvbackup.json`), the metadata manifest's config blob. */
export const HEADER_MEDIA_TYPE = 'application/vnd.kubevirt.kvbackup.header.v1alpha2+json';

/** Media type of each entry's blob, by its section; chunks by how they are stored. */
export const ENTRY_MEDIA_TYPES = {
  graph: 'application/vnd.kubevirt.kvbackup.graph.v1alpha2+json+zstd',
  object: 'application/vnd.kubevirt.kvbackup.object.v1alpha2+json+zstd',
  export: 'application/vnd.kubevirt.kvbackup.export.v1alpha2+json+zstd',
  index: 'application/vnd.kubevirt.kvbackup.volume-index.v1alpha2+json+zstd',
  trailer: 'application/vnd.kubevirt.kvbackup.trailer.v1alpha2+json',
  chunk: 'application/vnd.kubevirt.kvbackup.chunk.v1alpha2',
  chunkZstd: 'application/vnd.kubevirt.kvbackup.chunk.v1alpha2+zstd',
} as const;

/** The layer annotation naming the tar entry a blob is (the standard title, which `oras pull` also uses). */
export const TITLE_ANNOTATION = 'org.opencontainers.image.title';
/** On a volume index layer: how many chunk entries come before it in the bundle (chunks and indexes interleave). */
export const CHUNKS_BEFORE_ANNOTATION = 'io.kubevirt.kvbackup.chunks-before';
/** On the image index: the sha256 and size of the bundle tar that pulling rebuilds. */
export const TAR_SHA256_ANNOTATION = 'io.kubevirt.kvbackup.tar.sha256';
export const TAR_SIZE_ANNOTATION = 'io.kubevirt.kvbackup.tar.size';
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';
/** On the image index: BUNDLE_ARTIFACT_TYPE (see buildBundleIndex for why not the `artifactType` field). */
export const ARTIFACT_TYPE_ANNOTATION = 'io.kubevirt.kvbackup.artifact-type';

/**
 * Chunks per chunk manifest. Registries accept manifests of at least 4 MiB (distribution-spec, "Pushing
 * manifests"); a chunk layer takes about 300 bytes, so 8192 of them stay near 2.5 MiB. A bundle of 1 MiB chunks
 * thus needs one manifest per 8 GiB of distinct stored data.
 */
export const CHUNKS_PER_MANIFEST = 8192;
/** Largest manifest or index pushed or accepted (the size every registry must take). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType: typeof OCI_MANIFEST_MEDIA_TYPE;
  artifactType: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
  annotations?: Record<string, string>;
}

export interface OciIndex {
  schemaVersion: 2;
  mediaType: typeof OCI_INDEX_MEDIA_TYPE;
  manifests: OciDescriptor[];
  annotations?: Record<string, string>;
}

/** One bundle entry as pushed: its tar path, the sha256 and size of its stored bytes, and for chunks how they are stored. */
export interface PushedEntry {
  path: string;
  sha256: string;
  size: number;
  /** Chunks only: whether the stored bytes are a zstd frame. */
  zstd?: boolean;
}

/** `sha256:<hex>`. */
export function ociDigest(sha256Hex: string): string {
  return `sha256:${sha256Hex}`;
}

/**
 * Builds the manifests of a bundle from its entries in bundle order (header first, trailer last). The chunk
 * manifests come in chunk order; the metadata manifest's layers are every other entry, each volume index
 * annotated with the number of chunks before it, so the exact tar can be rebuilt.
 */
export function buildBundleManifests(entries: readonly PushedEntry[], options: { createdAt: string }): { metadata: OciManifest; chunks: OciManifest[] } {
  const [header, ...rest] = entries;
  if (!header || header.path !== HEADER_PATH) throw new Error(`the first entry must be ${HEADER_PATH}`);
  if (rest.at(-1)?.path !== TRAILER_PATH) throw new Error(`the last entry must be ${TRAILER_PATH}`);
  const layers: OciDescriptor[] = [];
  const chunkLayers: OciDescriptor[] = [];
  for (const entry of rest) {
    const parsed = parseEntryPath(entry.path, 'v1alpha2');
    if (parsed.section === 'invalid' || parsed.section === 'header' || parsed.section === 'data') throw new Error(`${entry.path}: not an entry of a v1alpha2 bundle`);
    if (parsed.section === 'chunk') {
      chunkLayers.push(descriptor(entry.zstd ? ENTRY_MEDIA_TYPES.chunkZstd : ENTRY_MEDIA_TYPES.chunk, entry, { [TITLE_ANNOTATION]: entry.path }));
      continue;
    }
    const annotations: Record<string, string> = { [TITLE_ANNOTATION]: entry.path };
    if (parsed.section === 'index') annotations[CHUNKS_BEFORE_ANNOTATION] = String(chunkLayers.length);
    layers.push(descriptor(ENTRY_MEDIA_TYPES[parsed.section], entry, annotations));
  }
  const created = { [CREATED_ANNOTATION]: options.createdAt };
  const metadata: OciManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    artifactType: METADATA_ARTIFACT_TYPE,
    config: descriptor(HEADER_MEDIA_TYPE, header, undefined),
    layers,
    annotations: created,
  };
  const chunks: OciManifest[] = [];
  for (let start = 0; start < chunkLayers.length; start += CHUNKS_PER_MANIFEST) {
    chunks.push({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      artifactType: CHUNKS_ARTIFACT_TYPE,
      config: { mediaType: OCI_EMPTY_MEDIA_TYPE, digest: OCI_EMPTY_DIGEST, size: OCI_EMPTY_BYTES.length },
      layers: chunkLayers.slice(start, start + CHUNKS_PER_MANIFEST),
      annotations: created,
    });
  }
  return { metadata, chunks };
}

/**
 * The image index naming the metadata manifest first, then the chunk manifests in order. It carries the bundle's
 * artifact type as an annotation rather than OCI 1.1's `artifactType` field, and its keys in the order Go's image-spec
 * types serialise them (annotations sorted): tools built on containers/image before image-spec 1.1 (skopeo 1.9)
 * re-serialise an index they copy and refuse `--preserve-digests` when that changes its bytes.
 */
export function buildBundleIndex(manifests: readonly { digest: string; size: number }[], annotations: Record<string, string>): OciIndex {
  const all: Record<string, string> = { ...annotations, [ARTIFACT_TYPE_ANNOTATION]: BUNDLE_ARTIFACT_TYPE };
  return {
    schemaVersion: 2,
    mediaType: OCI_INDEX_MEDIA_TYPE,
    manifests: manifests.map((manifest) => ({ mediaType: OCI_MANIFEST_MEDIA_TYPE, digest: manifest.digest, size: manifest.size })),
    annotations: Object.fromEntries(Object.keys(all).sort().map((key) => [key, all[key] as string])),
  };
}

/** JSON bytes of a manifest or index as pushed: compact, no trailing newline (as Go's encoding/json writes it). */
export function encodeOciJson(value: OciIndex | OciManifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function descriptor(mediaType: string, entry: PushedEntry, annotations: Record<string, string> | undefined): OciDescriptor {
  const value: OciDescriptor = { mediaType, digest: ociDigest(entry.sha256), size: entry.size };
  if (annotations) value.annotations = annotations;
  return value;
}

/** One entry to fetch when rebuilding a bundle: its tar path and the blob that holds its stored bytes. */
export interface PlannedEntry {
  path: string;
  /** sha256 hex of the blob (the stored bytes). */
  sha256: string;
  size: number;
}

/** Why a pulled document is not what this format writes; the reason is one line naming the place. */
export class ArtifactProblem extends Error {}

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** Checks a pulled image index and returns the manifests it names: the metadata manifest, then the chunk manifests. */
export function readBundleIndex(value: unknown): { metadata: OciDescriptor; chunks: OciDescriptor[]; tar?: { sha256: string; size: number } } {
  const index = object(value, 'image index');
  if (index['schemaVersion'] !== 2) throw new ArtifactProblem('image index: schemaVersion is not 2');
  if (index['mediaType'] !== OCI_INDEX_MEDIA_TYPE) throw new ArtifactProblem(`not a kvbackup bundle (media type ${JSON.stringify(index['mediaType'])}, expected an OCI image index)`);
  const annotations = index['annotations'] === undefined ? {} : object(index['annotations'], 'image index annotations');
  const type = annotations[ARTIFACT_TYPE_ANNOTATION];
  if (type !== BUNDLE_ARTIFACT_TYPE) throw new ArtifactProblem(`not a kvbackup bundle (annotation ${ARTIFACT_TYPE_ANNOTATION} is ${JSON.stringify(type)}, expected ${BUNDLE_ARTIFACT_TYPE})`);
  const manifests = array(index['manifests'], 'image index manifests').map((item, i) => readDescriptor(item, `image index manifests[${i}]`));
  // Each manifest's own artifactType says what it is; it is checked when the manifest is read.
  const [metadata, ...chunks] = manifests;
  if (!metadata) throw new ArtifactProblem('image index: no manifests');
  for (const manifest of manifests) {
    if (manifest.mediaType !== OCI_MANIFEST_MEDIA_TYPE) throw new ArtifactProblem(`image index: manifest ${manifest.digest} has media type ${JSON.stringify(manifest.mediaType)}`);
    if (manifest.size > MAX_MANIFEST_BYTES) throw new ArtifactProblem(`image index: manifest ${manifest.digest} is over ${MAX_MANIFEST_BYTES} bytes`);
  }
  const tarSha = annotations[TAR_SHA256_ANNOTATION];
  const tarSize = Number(annotations[TAR_SIZE_ANNOTATION]);
  const result: ReturnType<typeof readBundleIndex> = { metadata, chunks };
  if (typeof tarSha === 'string' && /^[0-9a-f]{64}$/.test(tarSha) && Number.isSafeInteger(tarSize) && tarSize > 0) result.tar = { sha256: tarSha, size: tarSize };
  return result;
}

/** The data section of the metadata manifest, kept for merging with the chunks: each index and where it goes. */
export interface MetadataPlan {
  header: PlannedEntry;
  /** Graph, objects and exports, in order. */
  leading: PlannedEntry[];
  /** Volume indexes with the number of chunks before each (non-decreasing). */
  indexes: { entry: PlannedEntry; chunksBefore: number }[];
  trailer: PlannedEntry;
}

/**
 * Checks a pulled metadata manifest: the header as config, then graph, objects, exports, volume indexes and the
 * trailer as layers, each named by a safe title that classifies as what its media type says and no larger than
 * the bundle limits allow. The bundle reader checks the rest (order, schemas, digests against the trailer).
 */
export function readMetadataManifest(value: unknown, limits: BundleLimits = DEFAULT_LIMITS): MetadataPlan {
  const manifest = checkManifest(value, METADATA_ARTIFACT_TYPE, 'metadata manifest');
  const config = readDescriptor(manifest['config'], 'metadata manifest config');
  if (config.mediaType !== HEADER_MEDIA_TYPE) throw new ArtifactProblem(`metadata manifest config: media type ${JSON.stringify(config.mediaType)}, expected ${HEADER_MEDIA_TYPE}`);
  const header = planned(HEADER_PATH, config, limits.maxJsonEntryBytes, 'metadata manifest config');
  const layers = array(manifest['layers'], 'metadata manifest layers').map((item, i) => readDescriptor(item, `metadata manifest layers[${i}]`));
  const leading: PlannedEntry[] = [];
  const indexes: MetadataPlan['indexes'] = [];
  let trailer: PlannedEntry | undefined;
  for (const [i, layer] of layers.entries()) {
    const where = `metadata manifest layers[${i}]`;
    if (trailer) throw new ArtifactProblem(`${where}: follows the trailer`);
    const { path, section } = titled(layer, where);
    if (section === 'chunk' || section === 'header' || section === 'data') throw new ArtifactProblem(`${where}: ${path} does not belong in the metadata manifest`);
    if (layer.mediaType !== ENTRY_MEDIA_TYPES[section]) throw new ArtifactProblem(`${where}: media type ${JSON.stringify(layer.mediaType)} does not match ${path}`);
    const entry = planned(path, layer, limits.maxJsonEntryBytes, where);
    if (section === 'trailer') trailer = entry;
    else if (section === 'index') {
      const chunksBefore = Number(layer.annotations?.[CHUNKS_BEFORE_ANNOTATION]);
      const previous = indexes.at(-1)?.chunksBefore ?? 0;
      if (!Number.isSafeInteger(chunksBefore) || chunksBefore < previous) throw new ArtifactProblem(`${where}: ${CHUNKS_BEFORE_ANNOTATION} missing, invalid or decreasing`);
      indexes.push({ entry, chunksBefore });
    } else {
      if (indexes.length > 0) throw new ArtifactProblem(`${where}: ${path} comes after a volume index`);
      leading.push(entry);
    }
  }
  if (!trailer) throw new ArtifactProblem(`metadata manifest: no ${TRAILER_PATH} layer`);
  return { header, leading, indexes, trailer };
}

/** Checks a pulled chunk manifest and returns its chunks in order. */
export function readChunkManifest(value: unknown, where: string, limits: BundleLimits = DEFAULT_LIMITS): PlannedEntry[] {
  const manifest = checkManifest(value, CHUNKS_ARTIFACT_TYPE, where);
  const layers = array(manifest['layers'], `${where} layers`);
  if (layers.length > CHUNKS_PER_MANIFEST) throw new ArtifactProblem(`${where}: more than ${CHUNKS_PER_MANIFEST} layers`);
  return layers.map((item, i) => {
    const at = `${where} layers[${i}]`;
    const layer = readDescriptor(item, at);
    const { path, section } = titled(layer, at);
    if (section !== 'chunk') throw new ArtifactProblem(`${at}: ${path} is not a chunk`);
    if (layer.mediaType !== ENTRY_MEDIA_TYPES.chunk && layer.mediaType !== ENTRY_MEDIA_TYPES.chunkZstd) throw new ArtifactProblem(`${at}: media type ${JSON.stringify(layer.mediaType)} is not a chunk's`);
    // A chunk stored raw is its own bytes: its blob digest is its name.
    if (layer.mediaType === ENTRY_MEDIA_TYPES.chunk && path !== chunkPath(layer.digest.slice('sha256:'.length))) throw new ArtifactProblem(`${at}: raw chunk ${path} has blob digest ${layer.digest}`);
    return planned(path, layer, limits.maxChunkBytes, at);
  });
}

function checkManifest(value: unknown, artifactType: string, where: string): Record<string, unknown> {
  const manifest = object(value, where);
  if (manifest['schemaVersion'] !== 2 || manifest['mediaType'] !== OCI_MANIFEST_MEDIA_TYPE) throw new ArtifactProblem(`${where}: not an OCI image manifest`);
  if (manifest['artifactType'] !== artifactType) throw new ArtifactProblem(`${where}: artifactType ${JSON.stringify(manifest['artifactType'])}, expected ${artifactType}`);
  return manifest;
}

function titled(layer: OciDescriptor, where: string): { path: string; section: EntryPath['section'] } {
  const path = layer.annotations?.[TITLE_ANNOTATION];
  if (typeof path !== 'string') throw new ArtifactProblem(`${where}: no ${TITLE_ANNOTATION} annotation`);
  const unsafe = unsafeNameReason(path);
  if (unsafe) throw new ArtifactProblem(`${where}: title ${JSON.stringify(path)}: ${unsafe}`);
  const parsed = parseEntryPath(path, 'v1alpha2');
  if (parsed.section === 'invalid') throw new ArtifactProblem(`${where}: title ${JSON.stringify(path)}: ${parsed.reason}`);
  return { path, section: parsed.section };
}

function planned(path: string, layer: OciDescriptor, maxBytes: number, where: string): PlannedEntry {
  if (layer.size > maxBytes) throw new ArtifactProblem(`${where}: ${path} is ${layer.size} bytes, over the ${maxBytes}-byte limit`);
  return { path, sha256: layer.digest.slice('sha256:'.length), size: layer.size };
}

function readDescriptor(value: unknown, where: string): OciDescriptor {
  const item = object(value, where);
  const { mediaType, digest, size, artifactType, annotations } = item;
  if (typeof mediaType !== 'string') throw new ArtifactProblem(`${where}: no mediaType`);
  if (typeof digest !== 'string' || !DIGEST.test(digest)) throw new ArtifactProblem(`${where}: digest ${JSON.stringify(digest)} is not sha256:<64 hex digits>`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new ArtifactProblem(`${where}: invalid size`);
  const descriptor: OciDescriptor = { mediaType, digest, size };
  if (typeof artifactType === 'string') descriptor.artifactType = artifactType;
  if (annotations !== undefined) {
    const map = object(annotations, `${where} annotations`);
    if (Object.values(map).some((v) => typeof v !== 'string')) throw new ArtifactProblem(`${where}: annotations must be strings`);
    descriptor.annotations = map as Record<string, string>;
  }
  return descriptor;
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ArtifactProblem(`${where}: not a JSON object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new ArtifactProblem(`${where}: not an array`);
  return value;
}

// Bundle entry paths: derived from refs on write, checked and classified on read; no name can escape its folder.

import { InputError } from '../errors.ts';
import { describeRef, type ObjectRef } from '../model/object-ref.ts';

/** The bundle format versions this code knows: it reads both and writes the last. */
export type FormatVersion = 'v1alpha1' | 'v1alpha2';

/** The header entry, always first, plain JSON in every version (so a reader learns the version first). */
export const HEADER_PATH = 'kvbackup.json';
/** The graph document of a v1alpha1 bundle, always second. */
export const GRAPH_PATH = 'graph.json';
/** The trailer entry, always last, plain JSON in every version. */
export const TRAILER_PATH = 'trailer.json';
/** Suffix of a zstd-compressed JSON entry (v1alpha2 metadata and volume indexes). */
export const ZSTD_SUFFIX = '.zst';
/** Folder of the chunk entries of a v1alpha2 bundle: `chunks/sha256/<hex>`. */
export const CHUNKS_FOLDER = 'chunks/sha256';
/** File name of a volume index under `volumes/<namespace>/<volume>/`. */
export const VOLUME_INDEX_FILE = 'index.json.zst';

/** The suffix of a metadata document (graph, object, export record) in `version`. */
export function jsonSuffix(version: FormatVersion): string {
  return version === 'v1alpha1' ? '.json' : `.json${ZSTD_SUFFIX}`;
}

/** The graph entry: `graph.json` (v1alpha1) or `graph.json.zst`. */
export function graphPath(version: FormatVersion): string {
  return `graph${jsonSuffix(version)}`;
}

/** `chunks/sha256/<hex>`: the entry of the chunk whose uncompressed bytes have sha256 `hex`. */
export function chunkPath(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new InputError(`chunk digest ${JSON.stringify(sha256)} is not a lower-case sha256 hex`);
  return `${CHUNKS_FOLDER}/${sha256}`;
}

/** `volumes/<namespace>/<volume>/index.json.zst`: the index of one volume's chunks. */
export function volumeIndexPath(namespace: string, volume: string): string {
  return `volumes/${encodeSegment(namespace)}/${encodeSegment(volume)}/${VOLUME_INDEX_FILE}`;
}

/** Folder segment that stands for the core API group ("" in a ref). */
export const CORE_GROUP_SEGMENT = 'core';
/** Folder segment that stands for "no namespace" (cluster-scoped objects). */
export const CLUSTER_SCOPE_SEGMENT = '_cluster';

/** Volume data formats a bundle can hold, and the file name each is stored under. */
export const DATA_FILE_NAMES = {
  raw: 'disk.img',
  gzip: 'disk.img.gz',
  'tar.gz': 'disk.tar.gz',
} as const;

export type DataFormat = keyof typeof DATA_FILE_NAMES;

/** What an entry path stands for. */
export type EntryPath =
  | { section: 'header'; path: string }
  | { section: 'graph'; path: string }
  | { section: 'object'; path: string; ref: ObjectRef }
  | { section: 'export'; path: string; namespace: string; vmName: string }
  | { section: 'data'; path: string; namespace: string; volume: string; file: string; format: DataFormat }
  | { section: 'chunk'; path: string; sha256: string }
  | { section: 'index'; path: string; namespace: string; volume: string }
  | { section: 'trailer'; path: string };

/** A name that is unsafe (`unsafe-path`) or not part of the layout (`unknown-entry`), and why. */
export interface InvalidEntryPath {
  section: 'invalid';
  path: string;
  code: 'unsafe-path' | 'unknown-entry';
  reason: string;
}

/** Longest entry path accepted, in UTF-16 code units (names are at most 253 characters, encoded at most ×3). */
export const MAX_PATH_LENGTH = 4096;

// Characters stored as they are; everything else (and a leading ".") is percent-encoded as UTF-8, so a segment is
// never "", "." or "..", never holds "/" or "\", and "_cluster" cannot be a real name.
const PLAIN = /^[A-Za-z0-9.-]$/;
const utf8 = new TextEncoder();

/**
 * Encodes one path segment. Kubernetes names (DNS subdomains and labels) come out unchanged.
 * @throws InputError for an empty segment (an object without a name, a volume without a name).
 */
export function encodeSegment(value: string): string {
  if (value === '') throw new InputError('bundle entry path: a name, kind, namespace or volume is empty');
  let out = '';
  for (const char of value) {
    if (PLAIN.test(char) && !(out === '' && char === '.')) {
      out += char;
      continue;
    }
    for (const byte of utf8.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Decodes a segment written by `encodeSegment`; undefined unless it is exactly the canonical encoding. */
export function decodeSegment(segment: string): string | undefined {
  if (segment === '') return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  if (decoded === '' || encodeSegment(decoded) !== segment) return undefined;
  return decoded;
}

/**
 * `objects/<group or core>/<Kind>/<namespace or _cluster>/<name>.json` (`.json.zst` from v1alpha2 on).
 * @throws InputError for the API group "core" (its folder names the core group) or an empty kind or name.
 */
export function objectPath(ref: ObjectRef, version: FormatVersion = 'v1alpha2'): string {
  if (ref.group === CORE_GROUP_SEGMENT) throw new InputError(`${describeRef(ref)}: API group "${CORE_GROUP_SEGMENT}" cannot be stored in a bundle (the folder names the core group)`);
  if (ref.kind === '' || ref.name === '') throw new InputError(`${describeRef(ref)}: an object needs a kind and a name to be stored in a bundle`);
  const group = ref.group === '' ? CORE_GROUP_SEGMENT : encodeSegment(ref.group);
  const namespace = ref.namespace === '' ? CLUSTER_SCOPE_SEGMENT : encodeSegment(ref.namespace);
  return `objects/${group}/${encodeSegment(ref.kind)}/${namespace}/${encodeSegment(ref.name)}${jsonSuffix(version)}`;
}

/** `exports/<namespace>/<vm-name>.json` (`.json.zst` from v1alpha2 on). */
export function exportPath(namespace: string, vmName: string, version: FormatVersion = 'v1alpha2'): string {
  return `exports/${encodeSegment(namespace)}/${encodeSegment(vmName)}${jsonSuffix(version)}`;
}

/** The format a data file name stands for (`disk.img.gz` → gzip). */
export function dataFormatOf(file: string): DataFormat | undefined {
  return (Object.keys(DATA_FILE_NAMES) as DataFormat[]).find((format) => DATA_FILE_NAMES[format] === file);
}

/** `data/<namespace>/<volume>/<file>` of a v1alpha1 bundle, the file named after the format (`disk.img.gz` for gzip). */
export function dataPath(namespace: string, volume: string, format: DataFormat): string {
  return `data/${encodeSegment(namespace)}/${encodeSegment(volume)}/${DATA_FILE_NAMES[format]}`;
}

/**
 * Why a raw tar entry name is unsafe, or undefined when it is a plain relative path: no absolute path, no empty,
 * "." or ".." segment, no backslash, NUL or other control character, not over MAX_PATH_LENGTH.
 */
export function unsafeNameReason(name: string): string | undefined {
  if (name === '') return 'empty entry name';
  if (name.length > MAX_PATH_LENGTH) return `entry name longer than ${MAX_PATH_LENGTH} characters`;
  if (name.startsWith('/')) return 'absolute path';
  if (name.includes('\\')) return 'backslash in entry name';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control character in entry name';
  const segments = name.split('/');
  if (segments.includes('..')) return '".." in entry name';
  if (segments.some((segment) => segment === '' || segment === '.')) return 'empty or "." segment in entry name';
  return undefined;
}

/** Classifies a safe entry path, or says why it is not part of the layout of `version`. */
export function parseEntryPath(path: string, version: FormatVersion = 'v1alpha1'): EntryPath | InvalidEntryPath {
  const unsafe = unsafeNameReason(path);
  if (unsafe) return { section: 'invalid', path, code: 'unsafe-path', reason: unsafe };
  const suffix = jsonSuffix(version);
  if (path === HEADER_PATH) return { section: 'header', path };
  if (path === graphPath(version)) return { section: 'graph', path };
  if (path === TRAILER_PATH) return { section: 'trailer', path };
  const segments = path.split('/');
  const unknown = (reason: string): InvalidEntryPath => ({ section: 'invalid', path, code: 'unknown-entry', reason });
  switch (segments[0]) {
    case 'objects': {
      const [, groupSegment, kindSegment, namespaceSegment, fileSegment] = segments;
      if (segments.length !== 5 || !fileSegment?.endsWith(suffix)) return unknown(`not objects/<group>/<Kind>/<namespace>/<name>${suffix}`);
      const group = groupSegment === CORE_GROUP_SEGMENT ? '' : decodeSegment(groupSegment ?? '');
      const kind = decodeSegment(kindSegment ?? '');
      const namespace = namespaceSegment === CLUSTER_SCOPE_SEGMENT ? '' : decodeSegment(namespaceSegment ?? '');
      const name = decodeSegment(fileSegment.slice(0, -suffix.length));
      if (group === undefined || kind === undefined || namespace === undefined || name === undefined) {
        return unknown('object path segment is not canonically encoded');
      }
      return { section: 'object', path, ref: { group, kind, namespace, name } };
    }
    case 'exports': {
      const [, namespaceSegment, fileSegment] = segments;
      if (segments.length !== 3 || !fileSegment?.endsWith(suffix)) return unknown(`not exports/<namespace>/<vm-name>${suffix}`);
      const namespace = decodeSegment(namespaceSegment ?? '');
      const vmName = decodeSegment(fileSegment.slice(0, -suffix.length));
      if (namespace === undefined || vmName === undefined) return unknown('export path segment is not canonically encoded');
      return { section: 'export', path, namespace, vmName };
    }
    case 'data': {
      if (version !== 'v1alpha1') return unknown(`data/ entries are v1alpha1 only (${version} stores chunks)`);
      const [, namespaceSegment, volumeSegment, file] = segments;
      if (segments.length !== 4 || file === undefined) return unknown('not data/<namespace>/<volume>/<file>');
      const namespace = decodeSegment(namespaceSegment ?? '');
      const volume = decodeSegment(volumeSegment ?? '');
      if (namespace === undefined || volume === undefined) return unknown('data path segment is not canonically encoded');
      const format = dataFormatOf(file);
      if (format === undefined) return unknown(`unknown data file name ${file}`);
      return { section: 'data', path, namespace, volume, file, format };
    }
    case 'chunks': {
      if (version === 'v1alpha1') break;
      const sha256 = segments[2] ?? '';
      if (segments.length !== 3 || segments[1] !== 'sha256' || !/^[0-9a-f]{64}$/.test(sha256)) return unknown('not chunks/sha256/<64 lower-case hex digits>');
      return { section: 'chunk', path, sha256 };
    }
    case 'volumes': {
      if (version === 'v1alpha1') break;
      const [, namespaceSegment, volumeSegment, file] = segments;
      if (segments.length !== 4 || file !== VOLUME_INDEX_FILE) return unknown(`not volumes/<namespace>/<volume>/${VOLUME_INDEX_FILE}`);
      const namespace = decodeSegment(namespaceSegment ?? '');
      const volume = decodeSegment(volumeSegment ?? '');
      if (namespace === undefined || volume === undefined) return unknown('volume index path segment is not canonically encoded');
      return { section: 'index', path, namespace, volume };
    }
  }
  return unknown(`unknown entry (not part of the ${version} layout)`);
}

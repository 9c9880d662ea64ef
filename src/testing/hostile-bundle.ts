// Test support: a structurally valid bundle (header, graph, objects, trailer, right checksums) around any objects or
// entry bodies, written without the writer's checks, the way an attacker would craft one.

import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { buildTrailer, canonicalHeader, encodeJson, exportPath, GRAPH_PATH, HEADER_PATH, objectPath, sha256Hex, TRAILER_PATH, type ExportRecord, type TrailerEntry } from '../bundle/index.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { compareRefs, refOf } from '../model/object-ref.ts';

/** One entry: a path and its exact bytes. */
export interface CraftedEntry {
  name: string;
  body: Buffer;
}

/** The entries of a bundle holding `objects` as they are (sorted as the format wants), before the trailer. */
export function craftedEntries(objects: readonly KubeObject[], exports: readonly ExportRecord[] = []): CraftedEntry[] {
  const sorted = [...objects].sort((a, b) => compareRefs(refOf(a), refOf(b)));
  const namespaces = [...new Set(sorted.map((object) => object.metadata.namespace).filter((namespace): namespace is string => !!namespace))].sort();
  const header = canonicalHeader({
    format: 'kubectl-kvbackup',
    formatVersion: 'v1alpha1',
    toolVersion: '0.1.0',
    createdAt: '2025-01-02T03:04:05Z',
    selection: { namespaces },
    contents: { objects: sorted.length, exports: exports.length, data: 0 },
  });
  const json = (value: unknown) => Buffer.from(encodeJson(value));
  return [
    { name: HEADER_PATH, body: json(header) },
    { name: GRAPH_PATH, body: json({ nodes: [], edges: [] }) },
    ...sorted.map((object) => ({ name: objectPath(refOf(object)), body: json(object) })),
    ...exports.map((record) => ({ name: exportPath(record.namespace, record.vmName), body: json(record) })),
  ];
}

/** `entries` plus a trailer that lists them with their true sizes and digests, packed as tar (gzipped when asked). */
export async function packCrafted(entries: readonly CraftedEntry[], options: { gzip?: boolean; trailer?: boolean } = {}): Promise<Buffer> {
  const listed: TrailerEntry[] = entries.map((entry) => ({ path: entry.name, size: entry.body.byteLength, sha256: sha256Hex(entry.body) }));
  const all = options.trailer === false ? [...entries] : [...entries, { name: TRAILER_PATH, body: Buffer.from(encodeJson(buildTrailer(listed))) }];
  const packer = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of packer as unknown as Readable) chunks.push(chunk as Buffer);
  })();
  for (const entry of all) {
    await new Promise<void>((resolve, reject) =>
      packer.entry({ name: entry.name, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), type: 'file' }, entry.body, (error) => (error ? reject(error) : resolve())),
    );
  }
  packer.finalize();
  await collected;
  const tarBytes = Buffer.concat(chunks);
  return options.gzip ? gzipSync(tarBytes) : tarBytes;
}

/** A bundle holding `objects` exactly as given. */
export function craftBundle(objects: readonly KubeObject[], options: { gzip?: boolean; exports?: readonly ExportRecord[] } = {}): Promise<Buffer> {
  return packCrafted(craftedEntries(objects, options.exports), options);
}

// Test support: a v1alpha2 bundle with objects, one export record and volume data, written by the real writer.

import { PassThrough, type Writable } from 'node:stream';
import { volumeIndexPath } from '../bundle/layout.ts';
import { buildGraph } from '../graph/index.ts';
import { writeVolume } from '../io/chunks/write-volume.ts';
import { createBundleWriter } from '../io/tar/bundle-writer.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { refOf } from '../model/object-ref.ts';

/** A DataVolume that CDI reports Succeeded, with a blank source: the object of a volume a test bundle carries. */
export function blankDataVolume(name: string, namespace: string): KubeObject {
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: { name, namespace },
    spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } },
    status: { phase: 'Succeeded' },
  };
}

/** The bundle's bytes: `objects` (sorted by name), an export record of `vmName` listing `data`, each volume chunked. */
export async function writeDataBundle(objects: KubeObject[], namespace: string, vmName: string, data: { volume: string; bytes: Buffer }[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => out.on('end', resolve));
  await writeDataBundleTo(out, objects, namespace, vmName, data.map(({ volume, bytes }) => ({ volume, bytes: [bytes] })));
  await ended;
  return Buffer.concat(chunks);
}

/** The same bundle written to `out` (ended when complete), each volume's bytes streamed from `bytes`. */
export async function writeDataBundleTo(out: Writable, objects: KubeObject[], namespace: string, vmName: string, data: { volume: string; bytes: Iterable<Uint8Array> | AsyncIterable<Uint8Array> }[]): Promise<void> {
  const writer = createBundleWriter(out);
  const items = data.map(({ volume, bytes }) => ({ volume, format: 'raw' as const, path: volumeIndexPath(namespace, volume), bytes }));
  await writer.writeHeader({
    format: 'kubectl-kvbackup',
    formatVersion: 'v1alpha2',
    toolVersion: 'e2e',
    createdAt: '2025-01-01T00:00:00Z',
    selection: { namespaces: [namespace] },
    contents: { objects: objects.length, exports: 1, data: items.length },
  });
  await writer.writeGraph(buildGraph(ObjectIndex.of(objects)));
  for (const object of [...objects].sort((a, b) => (refOf(a).name < refOf(b).name ? -1 : 1))) await writer.writeObject(refOf(object), object);
  await writer.writeExport({
    namespace,
    vmName,
    exportName: `${vmName}-export`,
    phase: 'Ready',
    links: {},
    data: items.map(({ volume, format, path }) => ({ volume, format, path })),
  });
  for (const item of items) await writeVolume(writer, { namespace, volume: item.volume }, item.bytes);
  await writer.finish();
}

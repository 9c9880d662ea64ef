// Writes a bundle of N VMs as a metadata-only export of a settled namespace would, without a cluster (for benchmarks).
// Run: node scripts/generate-bundle.ts --vms 1000 --output-file bench-1000.kvb [--namespace bench] [--seed bench]
//      [--data-bytes N]: VM 1 also gets an export record and N bytes of incompressible volume data (streamed, never held)
// The bundle is v1alpha2 (never gzipped as a whole); `--no-gzip` is still accepted and changes nothing.

import { createCipheriv } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { withRevisionNames } from '../src/app/export-selection.ts';
import { createHash } from 'node:crypto';
import { BUNDLE_FORMAT_VERSION, FORMAT_NAME, volumeIndexPath, type BundleHeader, type ExportRecord } from '../src/bundle/index.ts';
import { writeVolume } from '../src/io/chunks/write-volume.ts';
import { buildGraph } from '../src/graph/index.ts';
import { createBundleWriter } from '../src/io/tar/bundle-writer.ts';
import { ObjectIndex } from '../src/model/object-index.ts';
import { compareRefs, refOf } from '../src/model/object-ref.ts';
import { TOOL_VERSION } from '../src/version.ts';
import { CREATED_AT, settledObjects, vmNames } from './bench/vm-set.ts';

/** Largest N accepted: vm names carry five digits. */
export const MAX_VMS = 99_999;

export interface GenerateBundleOptions {
  vms: number;
  namespace: string;
  seed: string;
  /** Ignored: v1alpha2 bundles are never gzipped as a whole (kept so older callers still work). */
  gzip?: boolean;
  /** Volume data for VM 1 (with its export record), in bytes; none when undefined. */
  dataBytes?: number | undefined;
}

/** Writes the bundle to `out` through the real bundle writer, so it is valid by construction. */
export async function generateBundle(out: NodeJS.WritableStream, options: GenerateBundleOptions): Promise<{ objects: number }> {
  if (!Number.isInteger(options.vms) || options.vms < 1 || options.vms > MAX_VMS) throw new RangeError(`--vms must be 1..${MAX_VMS}`);
  if (options.dataBytes !== undefined && !(Number.isSafeInteger(options.dataBytes) && options.dataBytes >= 0)) throw new RangeError('--data-bytes must be a byte count');
  const objects = [];
  // As export writes them: each VM names its instancetype revision in spec too.
  for (let i = 1; i <= options.vms; i++) objects.push(...settledObjects(options.seed, options.namespace, i).map((o) => (o.kind === 'VirtualMachine' ? withRevisionNames(o) : o)));
  const entries = objects.map((object) => ({ ref: refOf(object), object })).sort((a, b) => compareRefs(a.ref, b.ref));
  const header: BundleHeader = {
    format: FORMAT_NAME,
    formatVersion: BUNDLE_FORMAT_VERSION,
    toolVersion: TOOL_VERSION,
    createdAt: CREATED_AT,
    source: { server: 'https://127.0.0.1:6443', kubernetesVersion: 'v1.34.4', kubevirtVersion: 'v1.9.0', cdiVersion: 'v1.65.0' },
    selection: { namespaces: [options.namespace] },
    contents: { objects: entries.length, exports: 0, data: 0 },
  };
  const record = options.dataBytes === undefined ? undefined : exportRecord(options.namespace, options.dataBytes);
  if (record) header.contents = { ...header.contents, exports: 1, data: 1 };
  const writer = createBundleWriter(out as never);
  try {
    await writer.writeHeader(header);
    await writer.writeGraph(buildGraph(ObjectIndex.of(objects)));
    for (const { ref, object } of entries) await writer.writeObject(ref, object);
    const item = record?.data[0];
    if (record && item && options.dataBytes !== undefined) {
      await writer.writeExport(record);
      await writeVolume(writer, { namespace: record.namespace, volume: item.volume, size: options.dataBytes }, volumeBytes(options.seed, options.dataBytes));
    }
    await writer.finish();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  return { objects: entries.length };
}

/** The export record of VM 1 as export writes it: one raw volume, listed by its index. */
function exportRecord(namespace: string, _size: number): ExportRecord {
  const { vm, disk } = vmNames(1);
  const exportName = `kvbackup-bench-${vm}`;
  const url = `https://127.0.0.1:8443/api/export.kubevirt.io/v1/namespaces/${namespace}/virtualmachineexports/${exportName}/volumes/${disk}/disk.img.gz`;
  return {
    namespace,
    vmName: vm,
    exportName,
    phase: 'Ready',
    links: { external: { volumes: [{ name: disk, formats: [{ format: 'gzip', url }] }], manifests: [] } },
    tokenSecretRef: { namespace, name: `${exportName}-token` },
    data: [{ volume: disk, format: 'raw', path: volumeIndexPath(namespace, disk) }],
  };
}

/**
 * `size` deterministic, incompressible and never-repeating bytes (AES-CTR keystream from the seed), 1 MiB at a
 * time: neither zstd nor deduplication can shrink them, as with an encrypted or already compressed disk.
 */
export async function* volumeBytes(seed: string, size: number): AsyncGenerator<Uint8Array> {
  const key = createHash('sha256').update(`volume:${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let sent = 0; sent < size; sent += zeros.length) yield cipher.update(zeros.subarray(0, Math.min(zeros.length, size - sent)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      vms: { type: 'string' },
      namespace: { type: 'string', default: 'bench' },
      seed: { type: 'string', default: 'bench' },
      'output-file': { type: 'string' },
      'no-gzip': { type: 'boolean', default: false },
      'data-bytes': { type: 'string' },
    },
  });
  if (!values.vms || !values['output-file']) throw new Error('usage: generate-bundle.ts --vms N --output-file FILE [--namespace NS] [--seed S] [--no-gzip]');
  const result = await generateBundle(createWriteStream(values['output-file']), {
    vms: Number(values.vms),
    namespace: values.namespace,
    seed: values.seed,
    dataBytes: values['data-bytes'] === undefined ? undefined : Number(values['data-bytes']),
  });
  process.stderr.write(`generate-bundle: ${values.vms} VMs, ${result.objects} objects → ${values['output-file']}\n`);
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`generate-bundle: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

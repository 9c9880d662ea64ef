// Regenerates testdata/bundles/{good,bad} deterministically: small good bundles from fixed documents, and crafted bad ones.
// Run: node scripts/make-bad-bundles.ts (tests compare the committed files with what this produces).

import { mkdir, writeFile } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync, zstdDecompressSync } from 'node:zlib';
import tar, { type Header as TarHeader } from 'tar-stream';
import {
  buildTrailer,
  canonicalExportRecord,
  canonicalHeader,
  dataPath,
  encodeJson,
  exportPath,
  GRAPH_PATH,
  HEADER_PATH,
  objectPath,
  sha256Hex,
  TRAILER_PATH,
  chunkPath,
  volumeIndexPath,
  type BundleHeader,
  type DataExtent,
  type VolumeExtent,
  type VolumeIndex,
  type ExportRecord,
  type TrailerEntry,
} from '../src/bundle/index.ts';
import type { Graph } from '../src/graph/index.ts';
import { zstdEncodeSync } from '../src/io/chunks/codec.ts';
import { writeVolume } from '../src/io/chunks/write-volume.ts';
import { createBundleWriter } from '../src/io/tar/bundle-writer.ts';
/** The gzip level v1alpha1 bundles were written with. */
const GZIP_LEVEL = 6;
import type { KubeObject } from '../src/model/kube-object.ts';
import type { ObjectRef } from '../src/model/object-ref.ts';

/**
 * The documents of one good bundle, so tests can compare what the reader returns with what went in. The version is
 * the header's: v1alpha1 fixtures are written as the v1alpha1 writer did, v1alpha2 ones through the real writer.
 */
export interface BundleFixture {
  /** File name under testdata/bundles/good/. */
  file: string;
  /** v1alpha1 only: gzip the whole tar. */
  gzip: boolean;
  header: BundleHeader;
  graph: Graph;
  objects: { ref: ObjectRef; object: KubeObject }[];
  exports: ExportRecord[];
  /** v1alpha1: each data file by its path; v1alpha2: each volume's bytes by its index path. */
  data: { path: string; bytes: Buffer }[];
  /** v1alpha2: the chunk size the volumes are cut with. */
  chunkSize?: number;
}

const CREATED_AT = '2025-01-02T03:04:05Z';
const MTIME = new Date(Date.parse(CREATED_AT));

const vmRef: ObjectRef = { group: 'kubevirt.io', kind: 'VirtualMachine', namespace: 'ns1', name: 'vm1' };
const configMapRef: ObjectRef = { group: '', kind: 'ConfigMap', namespace: 'ns1', name: 'cm1' };
const pvcRef: ObjectRef = { group: '', kind: 'PersistentVolumeClaim', namespace: 'ns1', name: 'disk1' };
const secretRef: ObjectRef = { group: '', kind: 'Secret', namespace: 'ns1', name: 'cloudinit' };
const instancetypeRef: ObjectRef = { group: 'instancetype.kubevirt.io', kind: 'VirtualMachineClusterInstancetype', namespace: '', name: 'small' };

function objects(): BundleFixture['objects'] {
  return [
    { ref: configMapRef, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: 'ns1' }, data: { 'key': 'value' } } },
    {
      ref: pvcRef,
      object: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'disk1', namespace: 'ns1', annotations: { 'cdi.kubevirt.io/storage.contentType': 'kubevirt' } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    },
    { ref: secretRef, object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cloudinit', namespace: 'ns1' }, type: 'Opaque', data: { userdata: 'I2Nsb3VkLWNvbmZpZw==' } } },
    {
      ref: vmRef,
      object: {
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachine',
        metadata: { name: 'vm1', namespace: 'ns1' },
        spec: {
          runStrategy: 'Halted',
          instancetype: { kind: 'VirtualMachineClusterInstancetype', name: 'small' },
          template: {
            spec: {
              domain: { devices: { interfaces: [{ name: 'default', masquerade: {}, macAddress: '02:00:00:00:00:01' }] } },
              volumes: [
                { name: 'root', persistentVolumeClaim: { claimName: 'disk1' } },
                { name: 'cloudinit', cloudInitNoCloud: { secretRef: { name: 'cloudinit' } } },
                { name: 'config', configMap: { name: 'cm1' } },
              ],
            },
          },
        },
      },
    },
  ];
}

function graph(): Graph {
  const template = 'spec.template.spec.volumes';
  return {
    nodes: [configMapRef, pvcRef, secretRef, { ...instancetypeRef, missing: true, external: true }, vmRef],
    edges: [
      { from: vmRef, to: configMapRef, reason: `${template}[2].configMap.name`, optional: false },
      { from: vmRef, to: pvcRef, reason: `${template}[0].persistentVolumeClaim.claimName`, optional: false },
      { from: vmRef, to: secretRef, reason: `${template}[1].cloudInitNoCloud.secretRef.name`, optional: false },
      { from: vmRef, to: instancetypeRef, reason: 'spec.instancetype', optional: true },
    ],
  };
}

function header(overrides: Partial<BundleHeader>, contents: BundleHeader['contents']): BundleHeader {
  return {
    format: 'kubectl-kvbackup',
    formatVersion: 'v1alpha1',
    toolVersion: '0.1.0',
    createdAt: CREATED_AT,
    selection: { namespaces: ['ns1'] },
    contents,
    ...overrides,
  };
}

/** Deterministic stand-in for a compressed disk image (the bundle treats data as opaque bytes). */
function diskBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let state = 0x2545f491;
  for (let i = 0; i < size; i += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

function exportRecord(size: number): ExportRecord {
  const base = 'https://virt-export-kvbackup-vm1.ns1.svc';
  const external = 'https://kubevirt.example.com/api/export.kubevirt.io/v1/namespaces/ns1/virtualmachineexports/kvbackup-vm1';
  const cert = '-----BEGIN CERTIFICATE-----\nMIIBfixture\n-----END CERTIFICATE-----\n';
  return {
    namespace: 'ns1',
    vmName: 'vm1',
    exportName: 'kvbackup-vm1',
    phase: 'Ready',
    links: {
      internal: {
        cert,
        volumes: [{ name: 'disk1', formats: [{ format: 'raw', url: `${base}/volumes/disk1/disk.img` }, { format: 'gzip', url: `${base}/volumes/disk1/disk.img.gz` }] }],
        manifests: [{ type: 'all', url: `${base}/internal/manifests/all` }, { type: 'auth-header-secret', url: `${base}/internal/manifests/secret` }],
      },
      external: {
        cert,
        volumes: [{ name: 'disk1', formats: [{ format: 'gzip', url: `${external}/volumes/disk1/disk.img.gz` }] }],
        manifests: [{ type: 'all', url: `${external}/external/manifests/all` }],
      },
    },
    tokenSecretRef: { namespace: 'ns1', name: 'kvbackup-vm1-token' },
    token: 'not-written-unless-asked',
    data: [{ volume: 'disk1', format: 'gzip', path: dataPath('ns1', 'disk1', 'gzip'), size }],
  };
}

/** Every good bundle: the v1alpha1 ones (still read) and the v1alpha2 ones (written). */
export function goodFixtures(): BundleFixture[] {
  return [...goodV1alpha1Fixtures(), ...goodV1alpha2Fixtures()];
}

/** The good v1alpha1 bundles: plain, with an export and data (gzip), and a transformed one. */
export function goodV1alpha1Fixtures(): BundleFixture[] {
  const disk = diskBytes(3000);
  return [
    { file: 'minimal.tar', gzip: false, header: header({}, { objects: 4, exports: 0, data: 0 }), graph: graph(), objects: objects(), exports: [], data: [] },
    {
      file: 'with-export.tar.gz',
      gzip: true,
      header: header(
        { source: { server: 'https://api.example.com:6443', kubernetesVersion: 'v1.33.1', kubevirtVersion: 'v1.6.0', cdiVersion: 'v1.62.0' } },
        { objects: 4, exports: 1, data: 1 },
      ),
      graph: graph(),
      objects: objects(),
      exports: [exportRecord(disk.byteLength)],
      data: [{ path: dataPath('ns1', 'disk1', 'gzip'), bytes: disk }],
    },
    {
      file: 'transformed.tar',
      gzip: false,
      header: header(
        { transformed: { seed: 'fixture-seed', options: { mac: 'remap', firmware: 'remap', targetNamespace: 'ns1' }, rules: ['drop-owned-vmis', 'strip-server-metadata'] } },
        { objects: 4, exports: 0, data: 0 },
      ),
      graph: graph(),
      objects: objects(),
      exports: [],
      data: [],
    },
  ];
}

/**
 * Writes a v1alpha1 fixture as the v1alpha1 writer did (this tool now writes only v1alpha2): the same documents,
 * fixed tar headers, the trailer, and gzip level 6 with mtime 0 for a `.tar.gz`.
 */
export async function writeFixture(fixture: BundleFixture): Promise<Buffer> {
  if (fixture.header.formatVersion !== 'v1alpha1') return writeV1alpha2Fixture(fixture);
  const entries: RawEntry[] = [
    { name: HEADER_PATH, body: json(canonicalHeader(fixture.header)) },
    { name: GRAPH_PATH, body: json(fixture.graph) },
    ...fixture.objects.map(({ ref, object }) => ({ name: objectPath(ref, 'v1alpha1'), body: json(object) })),
    ...fixture.exports.map((record) => ({ name: exportPath(record.namespace, record.vmName, 'v1alpha1'), body: json(canonicalExportRecord(record, false)) })),
    ...fixture.data.map(({ path, bytes }) => ({ name: path, body: bytes })),
  ];
  const tarBytes = await pack(withTrailer(entries));
  return fixture.gzip ? gzipSync(tarBytes, { level: GZIP_LEVEL }) : tarBytes;
}

/** Writes a v1alpha2 fixture through the real writer, each volume through the real chunker. */
async function writeV1alpha2Fixture(fixture: BundleFixture): Promise<Buffer> {
  const out = new PassThrough();
  const collected = collect(out);
  const writer = createBundleWriter(out);
  await writer.writeHeader(fixture.header);
  await writer.writeGraph(fixture.graph);
  for (const { ref, object } of fixture.objects) await writer.writeObject(ref, object);
  for (const record of fixture.exports) await writer.writeExport(record);
  for (const record of fixture.exports) {
    for (const item of record.data) {
      const bytes = fixture.data.find((volume) => volume.path === item.path)?.bytes ?? Buffer.alloc(0);
      await writeVolume(writer, { namespace: record.namespace, volume: item.volume, format: item.format === 'archive' ? 'archive' : 'raw', ...(fixture.chunkSize ? { chunkSize: fixture.chunkSize } : {}) }, [bytes]);
    }
  }
  await writer.finish();
  return collected;
}

/** The chunk size of the v1alpha2 fixtures: the smallest, so a few KB make several chunks. */
export const FIXTURE_CHUNK_SIZE = 64 * 1024;

/**
 * A v1alpha2 volume of 4.5 chunks: text (compresses, stored zstd), two zero chunks (a zero extent), the text
 * again (deduplicated), and half a chunk of pseudo-random bytes (stored raw).
 */
export function fixtureVolume(): Buffer {
  const text = Buffer.from('kubevirt volume fixture\n'.repeat(Math.ceil(FIXTURE_CHUNK_SIZE / 24))).subarray(0, FIXTURE_CHUNK_SIZE);
  return Buffer.concat([text, Buffer.alloc(2 * FIXTURE_CHUNK_SIZE), text, diskBytes(FIXTURE_CHUNK_SIZE / 2)]);
}

/** The export record of a v1alpha2 fixture: two volumes, the second a clone of the first. */
function exportRecordV2(): ExportRecord {
  const { token: _token, ...record } = exportRecord(0);
  return {
    ...record,
    data: [
      { volume: 'disk1', format: 'raw', path: volumeIndexPath('ns1', 'disk1') },
      { volume: 'disk1-clone', format: 'raw', path: volumeIndexPath('ns1', 'disk1-clone') },
    ],
  };
}

/** The good v1alpha2 bundles: metadata only, and with two volumes sharing their chunks. */
export function goodV1alpha2Fixtures(): BundleFixture[] {
  const volume = fixtureVolume();
  const v2 = (overrides: Partial<BundleHeader>, contents: BundleHeader['contents']) => header({ ...overrides, formatVersion: 'v1alpha2' }, contents);
  return [
    { file: 'v1alpha2-minimal.kvb', gzip: false, header: v2({}, { objects: 4, exports: 0, data: 0 }), graph: graph(), objects: objects(), exports: [], data: [] },
    {
      file: 'v1alpha2-with-data.kvb',
      gzip: false,
      header: v2({ source: { server: 'https://api.example.com:6443', kubernetesVersion: 'v1.34.4', kubevirtVersion: 'v1.9.0', cdiVersion: 'v1.65.0' } }, { objects: 4, exports: 1, data: 2 }),
      graph: graph(),
      objects: objects(),
      exports: [exportRecordV2()],
      data: [
        { path: volumeIndexPath('ns1', 'disk1'), bytes: volume },
        { path: volumeIndexPath('ns1', 'disk1-clone'), bytes: volume },
      ],
      chunkSize: FIXTURE_CHUNK_SIZE,
    },
  ];
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** One tar entry as crafted for a bad bundle. */
interface RawEntry {
  name: string;
  body?: Buffer;
  type?: TarHeader['type'];
  linkname?: string;
}

function json(value: unknown): Buffer {
  return Buffer.from(encodeJson(value));
}

/** Header, graph and objects of the minimal bundle as raw entries (before any trailer). */
function baseEntries(headerOverrides: Partial<BundleHeader> = {}, contents = { objects: 4, exports: 0, data: 0 }): RawEntry[] {
  return [
    { name: HEADER_PATH, body: json(canonicalHeader(header(headerOverrides, contents))) },
    { name: GRAPH_PATH, body: json(graph()) },
    ...objects().map(({ ref, object }) => ({ name: objectPath(ref, 'v1alpha1'), body: json(object) })),
  ];
}

function trailerEntry(entries: RawEntry[]): RawEntry {
  const listed: TrailerEntry[] = entries.map((entry) => ({ path: entry.name, size: entry.body?.byteLength ?? 0, sha256: sha256Hex(entry.body ?? Buffer.alloc(0)) }));
  return { name: TRAILER_PATH, body: json(buildTrailer(listed)) };
}

function withTrailer(entries: RawEntry[]): RawEntry[] {
  return [...entries, trailerEntry(entries)];
}

/** Packs entries with the same fixed header fields the writer uses; tar-stream writes whatever type it is told. */
async function pack(entries: RawEntry[]): Promise<Buffer> {
  const packer = tar.pack();
  const collected = collect(packer as unknown as Readable);
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const body = type === 'file' ? (entry.body ?? Buffer.alloc(0)) : undefined;
    const headerFields: Partial<TarHeader> & { name: string } = { name: entry.name, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: MTIME, type };
    if (entry.linkname !== undefined) headerFields.linkname = entry.linkname;
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (body) packer.entry(headerFields, body, done);
      else packer.entry(headerFields, done).end(undefined);
    });
  }
  packer.finalize();
  return collected;
}

/** A ustar header block written by hand, so it can declare a size whose data never follows, or a GNU long name. */
function ustarHeader(name: string, size: number, typeflag = '0'): Buffer {
  const block = Buffer.alloc(512);
  const octal = (value: number, width: number) => `${value.toString(8).padStart(width - 1, '0')}\0`;
  block.write(name, 0, 100, 'utf8');
  block.write(octal(0o644, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(size, 12), 124);
  block.write(octal(Math.floor(MTIME.getTime() / 1000), 12), 136);
  block.write('        ', 148);
  block.write(typeflag, 156);
  block.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

const configMapPath = objectPath(configMapRef, 'v1alpha1');

/** A GNU long-name record ('L') that renames the entry after it, padded to whole blocks. */
function gnuLongName(name: string): Buffer {
  const body = Buffer.from(`${name}\0`);
  const padded = Buffer.alloc(Math.ceil(body.byteLength / 512) * 512);
  body.copy(padded);
  return Buffer.concat([ustarHeader('././@LongLink', body.byteLength, 'L'), padded]);
}

/** Every crafted bad bundle, by file name. Each is a few KB. */
export async function badBundles(): Promise<{ file: string; bytes: Buffer }[]> {
  const base = baseEntries();
  const good = await pack(withTrailer(base));
  const [headerEntry, graphEntry, ...objectEntries] = base as [RawEntry, RawEntry, ...RawEntry[]];
  const tampered = withTrailer(base).map((entry) =>
    entry.name === configMapPath ? { ...entry, body: Buffer.from((entry.body as Buffer).toString('utf8').replace('"value"', '"VALUE"')) } : entry,
  );
  const goodGzip = gzipSync(good, { level: GZIP_LEVEL });
  const oversize = Buffer.concat([await packWithoutEnd([headerEntry, graphEntry]), ustarHeader(objectPath({ ...configMapRef, name: 'big' }, 'v1alpha1'), 100 * 1024 * 1024), Buffer.alloc(512)]);
  const objectsAfter = (entries: RawEntry[]) => [headerEntry, graphEntry, ...entries];
  const evil = Buffer.from('{}\n');
  const gnuDotdot = Buffer.concat([
    await packWithoutEnd([headerEntry, graphEntry]),
    gnuLongName(`objects/../../${'x'.repeat(120)}.json`),
    ustarHeader(configMapPath, evil.byteLength),
    evil,
    Buffer.alloc(512 - evil.byteLength + 1024),
  ]);
  return [
    { file: 'abs-path.tar', bytes: await pack(objectsAfter([{ name: '/etc/passwd', body: Buffer.from('root:x:0:0\n') }])) },
    { file: 'dotdot.tar', bytes: await pack(objectsAfter([{ name: 'objects/../../etc/passwd', body: Buffer.from('root:x:0:0\n') }])) },
    { file: 'pax-dotdot.tar', bytes: await pack(objectsAfter([{ name: 'objects/../é.json', body: Buffer.from('{}\n') }])) },
    { file: 'gnu-longname-dotdot.tar', bytes: gnuDotdot },
    { file: 'backslash.tar', bytes: await pack(objectsAfter([{ name: 'objects\\core\\ConfigMap\\ns1\\cm1.json', body: Buffer.from('{}\n') }])) },
    { file: 'symlink.tar', bytes: await pack(objectsAfter([{ name: configMapPath, type: 'symlink', linkname: '/etc/shadow' }])) },
    { file: 'hardlink.tar', bytes: await pack(objectsAfter([{ name: configMapPath, type: 'link', linkname: HEADER_PATH }])) },
    { file: 'device.tar', bytes: await pack(objectsAfter([{ name: configMapPath, type: 'character-device' }])) },
    { file: 'fifo.tar', bytes: await pack(objectsAfter([{ name: configMapPath, type: 'fifo' }])) },
    { file: 'directory.tar', bytes: await pack(objectsAfter([{ name: 'objects/', type: 'directory' }])) },
    { file: 'truncated.tar', bytes: good.subarray(0, 512 * 5 + 100) },
    { file: 'truncated-gzip.tar.gz', bytes: goodGzip.subarray(0, Math.floor(goodGzip.byteLength * 0.8)) },
    { file: 'tampered.tar', bytes: await pack(tampered) },
    { file: 'missing-header.tar', bytes: await pack(withTrailer([graphEntry, ...objectEntries])) },
    { file: 'missing-trailer.tar', bytes: await pack(base) },
    { file: 'header-not-first.tar', bytes: await pack(withTrailer([graphEntry, headerEntry, ...objectEntries])) },
    { file: 'unknown-version.tar', bytes: await pack(withTrailer([{ name: HEADER_PATH, body: json({ ...canonicalHeader(header({}, { objects: 4, exports: 0, data: 0 })), formatVersion: 'v9' }) }, graphEntry, ...objectEntries])) },
    { file: 'oversize-entry.tar', bytes: oversize },
    { file: 'duplicate-entry.tar', bytes: await pack(withTrailer([headerEntry, graphEntry, ...objectEntries, objectEntries[objectEntries.length - 1] as RawEntry])) },
    { file: 'extra-entry-after-trailer.tar', bytes: await pack([...withTrailer(base), { name: 'objects/core/Secret/ns1/late.json', body: json({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'late', namespace: 'ns1' } }) }]) },
    { file: 'bad-json.tar', bytes: await pack(withTrailer(objectsAfter([{ name: configMapPath, body: Buffer.from('{"apiVersion": "v1", "kind": \n') }]))) },
    { file: 'schema-invalid-object.tar', bytes: await pack(withTrailer(objectsAfter([{ name: configMapPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns1' } }) }]))) },
    { file: 'unknown-entry.tar', bytes: await pack(withTrailer(objectsAfter([{ name: 'notes.txt', body: Buffer.from('hello\n') }]))) },
    { file: 'objects-out-of-order.tar', bytes: await pack(withTrailer([headerEntry, graphEntry, ...[...objectEntries].reverse()])) },
    { file: 'not-a-tar.tar', bytes: Buffer.from('this is not a tar archive, just text that is long enough to fill a header block. '.repeat(8)) },
    { file: 'empty.tar', bytes: Buffer.alloc(1024) },
    { file: 'data-not-listed.tar', bytes: await pack(withTrailer([...baseEntries({}, { objects: 4, exports: 0, data: 1 }), { name: dataPath('ns1', 'disk1', 'raw'), body: diskBytes(100) }])) },
    { file: 'export-path-mismatch.tar', bytes: await pack(withTrailer([...baseEntries({}, { objects: 4, exports: 1, data: 0 }), { name: exportPath('ns1', 'other', 'v1alpha1'), body: json(canonicalExportRecord({ ...exportRecord(0), data: [] }, false)) }])) },
  ];
}

/** The entries of a small good v1alpha2 bundle (one volume: text, zeros, a short random tail), to craft bad ones from. */
async function v2Entries(): Promise<RawEntry[]> {
  const text = Buffer.from('kubevirt volume fixture\n'.repeat(Math.ceil(FIXTURE_CHUNK_SIZE / 24))).subarray(0, FIXTURE_CHUNK_SIZE);
  const volume = Buffer.concat([text, Buffer.alloc(FIXTURE_CHUNK_SIZE), diskBytes(1000)]);
  const [, withData] = goodV1alpha2Fixtures() as [BundleFixture, BundleFixture];
  const fixture: BundleFixture = {
    ...withData,
    header: { ...withData.header, contents: { ...withData.header.contents, data: 1 } },
    exports: [{ ...(withData.exports[0] as ExportRecord), data: [(withData.exports[0] as ExportRecord).data[0] as ExportRecord['data'][0]] }],
    data: [{ path: volumeIndexPath('ns1', 'disk1'), bytes: volume }],
  };
  const entries: RawEntry[] = [];
  for await (const entry of tar.extract().end(await writeFixture(fixture)) as unknown as AsyncIterable<Readable & { header: TarHeader }>) {
    const parts: Buffer[] = [];
    for await (const part of entry) parts.push(part as Buffer);
    entries.push({ name: entry.header.name, body: Buffer.concat(parts) });
  }
  return entries.filter((entry) => entry.name !== TRAILER_PATH);
}

/** The v1alpha2 trailer for `entries`: every entry but the chunks listed, the chunks counted. */
function withV2Trailer(entries: RawEntry[]): RawEntry[] {
  const chunks = entries.filter((entry) => entry.name.startsWith('chunks/'));
  const listed: TrailerEntry[] = entries
    .filter((entry) => !entry.name.startsWith('chunks/'))
    .map((entry) => ({ path: entry.name, size: entry.body?.byteLength ?? 0, sha256: sha256Hex(entry.body ?? Buffer.alloc(0)) }));
  const trailer = buildTrailer(listed, { count: chunks.length, storedBytes: chunks.reduce((sum, entry) => sum + (entry.body?.byteLength ?? 0), 0) });
  return [...entries, { name: TRAILER_PATH, body: json(trailer) }];
}

const INDEX_PATH = 'volumes/ns1/disk1/index.json.zst';

/** The entries with the volume index passed through `edit` (decoded, edited, encoded again). */
function editIndex(entries: RawEntry[], edit: (index: VolumeIndex) => VolumeIndex): RawEntry[] {
  return entries.map((entry) => {
    if (entry.name !== INDEX_PATH) return entry;
    const index = JSON.parse(zstdDecompressSync(entry.body as Buffer).toString('utf8')) as VolumeIndex;
    return { ...entry, body: zstdEncodeSync(json(edit(index))) };
  });
}

/** The data extents of the fixture's index: the text chunk (zstd) and the random tail (raw). */
function dataExtents(index: VolumeIndex): DataExtent[] {
  return index.extents.filter((extent): extent is DataExtent => !('zero' in extent));
}

/** Every crafted bad v1alpha2 bundle, by file name: each must be refused with one line naming the entry. */
export async function badV1alpha2Bundles(): Promise<{ file: string; bytes: Buffer }[]> {
  const entries = await v2Entries();
  const index = JSON.parse(zstdDecompressSync(entries.find((entry) => entry.name === INDEX_PATH)?.body as Buffer).toString('utf8')) as VolumeIndex;
  const [text, tail] = dataExtents(index) as [DataExtent, DataExtent];
  const textPath = chunkPath(text.sha256);
  const tailPath = chunkPath(tail.sha256);
  const beforeIndex = (extra: RawEntry[]) => entries.flatMap((entry) => (entry.name === INDEX_PATH ? [...extra, entry] : [entry]));
  // Other content of the same length, stored with a digest that matches its stored bytes: only decoding finds it.
  const impostor = zstdEncodeSync(Buffer.alloc(text.length, 0x41));
  const corrupt = editIndex(
    entries.map((entry) => (entry.name === textPath ? { ...entry, body: impostor } : entry)),
    (value) => ({ ...value, extents: value.extents.map((extent) => ('zero' in extent || extent.sha256 !== text.sha256 ? extent : { ...extent, stored: { ...extent.stored, size: impostor.byteLength, sha256: sha256Hex(impostor) } })) }),
  );
  const flipped = entries.map((entry) => (entry.name === tailPath ? { ...entry, body: Buffer.from((entry.body as Buffer).map((byte, i) => (i === 10 ? byte ^ 1 : byte))) } : entry));
  const zeroChunk = Buffer.alloc(FIXTURE_CHUNK_SIZE);
  const swap = (value: VolumeIndex) => ({ ...value, extents: [value.extents[1], value.extents[0], ...value.extents.slice(2)] as VolumeExtent[] });
  const overlap = (value: VolumeIndex) => ({ ...value, extents: value.extents.map((extent, i) => (i === 1 ? { ...extent, offset: extent.offset - 1 } : extent)) });
  const oversize = Buffer.concat([await packWithoutEnd(entries.slice(0, entries.findIndex((entry) => entry.name.startsWith('chunks/')))), ustarHeader(chunkPath('d'.repeat(64)), 17 * 1024 * 1024), Buffer.alloc(512)]);
  return [
    { file: 'v2-corrupt-chunk.kvb', bytes: await pack(withV2Trailer(corrupt)) },
    { file: 'v2-tampered-chunk.kvb', bytes: await pack(withV2Trailer(flipped)) },
    { file: 'v2-missing-chunk.kvb', bytes: await pack(withV2Trailer(entries.filter((entry) => entry.name !== tailPath))) },
    { file: 'v2-unknown-digest.kvb', bytes: await pack(withV2Trailer(editIndex(entries, (value) => ({ ...value, extents: value.extents.map((extent) => ('zero' in extent || extent.sha256 !== text.sha256 ? extent : { ...extent, sha256: 'e'.repeat(64) })) })))) },
    { file: 'v2-extents-out-of-order.kvb', bytes: await pack(withV2Trailer(editIndex(entries, swap))) },
    { file: 'v2-extents-overlap.kvb', bytes: await pack(withV2Trailer(editIndex(entries, overlap))) },
    { file: 'v2-index-total.kvb', bytes: await pack(withV2Trailer(editIndex(entries, (value) => ({ ...value, size: value.size - 1 })))) },
    { file: 'v2-zero-chunk-stored.kvb', bytes: await pack(withV2Trailer(beforeIndex([{ name: chunkPath(sha256Hex(zeroChunk)), body: zstdEncodeSync(zeroChunk) }]))) },
    { file: 'v2-duplicate-chunk.kvb', bytes: await pack(withV2Trailer(beforeIndex([{ name: textPath, body: entries.find((entry) => entry.name === textPath)?.body as Buffer }]))) },
    { file: 'v2-oversize-chunk.kvb', bytes: oversize },
  ];
}

/** Packs entries without the end-of-archive blocks, for appending hand-made headers. */
async function packWithoutEnd(entries: RawEntry[]): Promise<Buffer> {
  const bytes = await pack(entries);
  return bytes.subarray(0, bytes.byteLength - 1024);
}

async function main(): Promise<void> {
  const root = new URL('../testdata/bundles/', import.meta.url);
  await mkdir(new URL('good/', root), { recursive: true });
  await mkdir(new URL('bad/', root), { recursive: true });
  for (const fixture of goodFixtures()) await writeFile(new URL(`good/${fixture.file}`, root), await writeFixture(fixture));
  for (const bad of [...(await badBundles()), ...(await badV1alpha2Bundles())]) await writeFile(new URL(`bad/${bad.file}`, root), bad.bytes);
}

if (import.meta.main) await main();

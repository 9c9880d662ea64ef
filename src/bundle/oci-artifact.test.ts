import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ArtifactProblem,
  ARTIFACT_TYPE_ANNOTATION,
  BUNDLE_ARTIFACT_TYPE,
  buildBundleIndex,
  buildBundleManifests,
  CHUNKS_ARTIFACT_TYPE,
  CHUNKS_BEFORE_ANNOTATION,
  CHUNKS_PER_MANIFEST,
  ENTRY_MEDIA_TYPES,
  HEADER_MEDIA_TYPE,
  METADATA_ARTIFACT_TYPE,
  readBundleIndex,
  readChunkManifest,
  readMetadataManifest,
  TITLE_ANNOTATION,
  type PushedEntry,
} from './oci-artifact.ts';

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const entry = (path: string, size = 10, zstd?: boolean): PushedEntry => ({ path, sha256: hex(path), size, ...(zstd === undefined ? {} : { zstd }) });
const chunk = (n: number, zstd = true): PushedEntry => {
  const name = hex(`chunk ${n}`);
  return { path: `chunks/sha256/${name}`, sha256: zstd ? hex(`stored ${n}`) : name, size: 100 + n, zstd };
};

function bundle(chunks: number): PushedEntry[] {
  const all = [entry('kvbackup.json'), entry('graph.json.zst'), entry('objects/core/ConfigMap/ns/a.json.zst'), entry('exports/ns/vm.json.zst')];
  for (let i = 0; i < chunks; i++) all.push(chunk(i, i % 2 === 0));
  all.push(entry('volumes/ns/disk/index.json.zst'));
  all.push(chunk(chunks));
  all.push(entry('volumes/ns/other/index.json.zst'));
  all.push(entry('trailer.json'));
  return all;
}

describe('bundle ↔ OCI artifact mapping', () => {
  it('makes the header the config, every other entry a layer in bundle order, and notes where each index sits among the chunks', () => {
    const { metadata, chunks } = buildBundleManifests(bundle(3), { createdAt: '2026-01-02T03:04:05Z' });
    assert.equal(metadata.artifactType, METADATA_ARTIFACT_TYPE);
    assert.equal(metadata.config.mediaType, HEADER_MEDIA_TYPE);
    assert.equal(metadata.config.digest, `sha256:${hex('kvbackup.json')}`);
    assert.deepEqual(metadata.layers.map((layer) => layer.annotations?.[TITLE_ANNOTATION]), ['graph.json.zst', 'objects/core/ConfigMap/ns/a.json.zst', 'exports/ns/vm.json.zst', 'volumes/ns/disk/index.json.zst', 'volumes/ns/other/index.json.zst', 'trailer.json']);
    assert.deepEqual(metadata.layers.map((layer) => layer.annotations?.[CHUNKS_BEFORE_ANNOTATION]), [undefined, undefined, undefined, '3', '4', undefined]);
    assert.deepEqual(metadata.layers.map((layer) => layer.mediaType), [ENTRY_MEDIA_TYPES.graph, ENTRY_MEDIA_TYPES.object, ENTRY_MEDIA_TYPES.export, ENTRY_MEDIA_TYPES.index, ENTRY_MEDIA_TYPES.index, ENTRY_MEDIA_TYPES.trailer]);
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]?.artifactType, CHUNKS_ARTIFACT_TYPE);
    assert.deepEqual(chunks[0]?.layers.map((layer) => layer.mediaType), [ENTRY_MEDIA_TYPES.chunkZstd, ENTRY_MEDIA_TYPES.chunk, ENTRY_MEDIA_TYPES.chunkZstd, ENTRY_MEDIA_TYPES.chunkZstd]);
    // A chunk's blob is its stored bytes; its name (the content digest) is the title.
    assert.equal(chunks[0]?.layers[0]?.digest, `sha256:${hex('stored 0')}`);
    assert.equal(chunks[0]?.layers[0]?.annotations?.[TITLE_ANNOTATION], `chunks/sha256/${hex('chunk 0')}`);
  });

  it(`splits the chunks into manifests of at most ${CHUNKS_PER_MANIFEST} layers, in order`, () => {
    const { chunks } = buildBundleManifests(bundle(CHUNKS_PER_MANIFEST + 5), { createdAt: '2026-01-02T03:04:05Z' });
    assert.deepEqual(chunks.map((manifest) => manifest.layers.length), [CHUNKS_PER_MANIFEST, 6]);
    assert.equal(chunks[1]?.layers[0]?.annotations?.[TITLE_ANNOTATION], `chunks/sha256/${hex(`chunk ${CHUNKS_PER_MANIFEST}`)}`);
  });

  it('reads back what it builds', () => {
    const entries = bundle(4);
    const { metadata, chunks } = buildBundleManifests(entries, { createdAt: '2026-01-02T03:04:05Z' });
    const plan = readMetadataManifest(JSON.parse(JSON.stringify(metadata)));
    assert.equal(plan.header.path, 'kvbackup.json');
    assert.deepEqual(plan.leading.map((e) => e.path), ['graph.json.zst', 'objects/core/ConfigMap/ns/a.json.zst', 'exports/ns/vm.json.zst']);
    assert.deepEqual(plan.indexes.map((i) => [i.entry.path, i.chunksBefore]), [['volumes/ns/disk/index.json.zst', 4], ['volumes/ns/other/index.json.zst', 5]]);
    assert.equal(plan.trailer.path, 'trailer.json');
    const read = readChunkManifest(JSON.parse(JSON.stringify(chunks[0])), 'chunk manifest 1');
    assert.deepEqual(read.map((e) => e.sha256), entries.filter((e) => e.path.startsWith('chunks/')).map((e) => e.sha256));
    const index = buildBundleIndex([{ digest: `sha256:${hex('m')}`, size: 5 }, { digest: `sha256:${hex('c')}`, size: 6 }], { 'io.kubevirt.kvbackup.tar.sha256': hex('tar'), 'io.kubevirt.kvbackup.tar.size': '2048' });
    assert.equal(index.annotations?.[ARTIFACT_TYPE_ANNOTATION], BUNDLE_ARTIFACT_TYPE);
    // Keys in Go's order and annotations sorted: a containers/image copy re-serialises to the same bytes.
    assert.deepEqual(Object.keys(index), ['schemaVersion', 'mediaType', 'manifests', 'annotations']);
    assert.deepEqual(Object.keys(index.annotations ?? {}), [...Object.keys(index.annotations ?? {})].sort());
    const top = readBundleIndex(JSON.parse(JSON.stringify(index)));
    assert.equal(top.chunks.length, 1);
    assert.deepEqual(top.tar, { sha256: hex('tar'), size: 2048 });
  });

  it('refuses documents that are not what it writes, naming the place', () => {
    const { metadata, chunks } = buildBundleManifests(bundle(2), { createdAt: '2026-01-02T03:04:05Z' });
    const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
    const cases: [string, () => unknown, RegExp][] = [
      ['an image that is not a bundle', () => readBundleIndex({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }), /not a kvbackup bundle/],
      ['an unsafe title', () => readMetadataManifest(Object.assign(clone(metadata), { layers: [{ ...metadata.layers[0], annotations: { [TITLE_ANNOTATION]: '../../etc/passwd' } }] })), /layers\[0\]: title "\.\.\/\.\.\/etc\/passwd"/],
      ['a bad digest', () => readMetadataManifest(Object.assign(clone(metadata), { layers: [{ ...metadata.layers[0], digest: 'md5:abc' }] })), /layers\[0\]: digest "md5:abc"/],
      ['a media type that does not match the entry', () => readMetadataManifest(Object.assign(clone(metadata), { layers: [{ ...metadata.layers[0], mediaType: ENTRY_MEDIA_TYPES.trailer }] })), /does not match graph\.json\.zst/],
      ['a chunk in the metadata manifest', () => readMetadataManifest(Object.assign(clone(metadata), { layers: [chunks[0]?.layers[0]] })), /does not belong in the metadata manifest/],
      ['indexes out of place', () => {
        const m = clone(metadata);
        const [first, second] = m.layers.filter((l) => l.mediaType === ENTRY_MEDIA_TYPES.index);
        (first as { annotations: Record<string, string> }).annotations[CHUNKS_BEFORE_ANNOTATION] = '9';
        void second;
        return readMetadataManifest(m);
      }, /chunks-before missing, invalid or decreasing/],
      ['a raw chunk whose blob is not its name', () => {
        const c = clone(chunks[0]);
        const raw = c?.layers[1] as { digest: string };
        raw.digest = `sha256:${hex('something else')}`;
        return readChunkManifest(c, 'chunk manifest 1');
      }, /raw chunk .* has blob digest/],
      ['an oversized chunk', () => readChunkManifest(Object.assign(clone(chunks[0] as object), { layers: [{ ...chunks[0]?.layers[0], size: 17 * 1024 * 1024 }] }), 'chunk manifest 1'), /over the 16777216-byte limit/],
      ['no trailer', () => readMetadataManifest(Object.assign(clone(metadata), { layers: metadata.layers.slice(0, -1) })), /no trailer\.json layer/],
    ];
    for (const [name, read, message] of cases) assert.throws(read, (error: unknown) => error instanceof ArtifactProblem && message.test(error.message), name);
  });
});

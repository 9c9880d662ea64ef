import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkChain, checkChainHeaders, chunkHolders, incrementalVolumePlan, mergedHeader, mergedIndex, type ChainLink } from './chain.ts';
import type { BackupInfo, BundleHeader } from './documents.ts';
import { volumeIndexProblem, type DataExtent, type VolumeIndex } from './volume-index.ts';

const MiB = 1024 * 1024;
const digest = (c: string) => c.repeat(64).slice(0, 64);
const stored = (d: string) => ({ size: 100, sha256: d, compression: 'zstd' as const });
const data = (offset: number, d: string, base?: true): DataExtent => ({ offset, length: MiB, sha256: d, stored: stored(d), ...(base ? { base } : {}) });

function header(backup: BackupInfo): BundleHeader {
  return { format: 'kubectl-kvbackup', formatVersion: 'v1alpha2', toolVersion: '0', createdAt: '2026-01-01T00:00:00Z', selection: {}, contents: { objects: 1, exports: 1, data: 1 }, backup };
}

const vm = (checkpoint: string, baseCheckpoint?: string) => ({
  namespace: 'ns',
  name: 'vm1',
  uid: 'u1',
  tracker: 'kvbackup-vm1',
  type: baseCheckpoint ? ('Incremental' as const) : ('Full' as const),
  checkpoint,
  ...(baseCheckpoint ? { baseCheckpoint } : {}),
  quiesced: true,
});

const index = (extents: VolumeIndex['extents'], sha256?: string): VolumeIndex => ({ namespace: 'ns', volume: 'disk', size: 3 * MiB, chunkSize: MiB, format: 'raw', extents, ...(sha256 ? { sha256 } : {}) });

/** full (chunks a, b, c) → inc1 (chunk b changed to d) → inc2 (chunk c changed to e). */
function chain(): ChainLink[] {
  const full: ChainLink = {
    source: 'full.kvb',
    header: header({ type: 'Full', chainPosition: 0, base: null, vms: [vm('cp0')] }),
    digest: digest('1'),
    indexes: [index([data(0, digest('a')), data(MiB, digest('b')), data(2 * MiB, digest('c'))], digest('f'))],
    chunks: new Set([digest('a'), digest('b'), digest('c')]),
  };
  const inc1: ChainLink = {
    source: 'inc1.kvb',
    header: header({ type: 'Incremental', chainPosition: 1, base: { digest: digest('1') }, vms: [vm('cp1', 'cp0')] }),
    digest: digest('2'),
    indexes: [index([data(0, digest('a'), true), data(MiB, digest('d')), data(2 * MiB, digest('c'), true)])],
    chunks: new Set([digest('d')]),
  };
  const inc2: ChainLink = {
    source: 'inc2.kvb',
    header: header({ type: 'Incremental', chainPosition: 2, base: { digest: digest('2') }, vms: [vm('cp2', 'cp1')] }),
    digest: digest('3'),
    indexes: [index([data(0, digest('a'), true), data(MiB, digest('d'), true), data(2 * MiB, digest('e'))])],
    chunks: new Set([digest('e')]),
  };
  return [full, inc1, inc2];
}

describe('checkChain', () => {
  it('accepts a full bundle followed by its incrementals, and a full bundle alone', () => {
    assert.equal(checkChain(chain()), undefined);
    assert.equal(checkChain(chain().slice(0, 1)), undefined);
  });

  it('refuses a missing link, a reordered chain, a wrong base and a chain that starts with an incremental, naming the files', () => {
    const [full, inc1, inc2] = chain() as [ChainLink, ChainLink, ChainLink];
    assert.match(checkChain([full, inc2]) ?? '', /^inc2\.kvb does not follow full\.kvb: its base is bundle sha256:222222222222/);
    assert.match(checkChain([full, inc2, inc1]) ?? '', /inc2\.kvb does not follow full\.kvb/);
    assert.match(checkChain([inc1, inc2]) ?? '', /^inc1\.kvb: a chain starts with a full backup/);
    assert.match(checkChain([full, full]) ?? '', /full\.kvb is a full backup: it starts a chain of its own/);
  });

  it('refuses another VM, a checkpoint out of order, a position out of order, and a volume of another size', () => {
    const [full, inc1] = chain() as [ChainLink, ChainLink];
    const other = (change: (info: BackupInfo) => void): ChainLink => {
      const copy = structuredClone(inc1.header.backup) as BackupInfo;
      change(copy);
      return { ...inc1, header: header(copy) };
    };
    assert.match(checkChain([full, other((b) => ((b.vms[0] as { uid: string }).uid = 'u2'))]) ?? '', /VM ns\/vm1 is not the one of full\.kvb/);
    assert.match(checkChain([full, other((b) => ((b.vms[0] as { baseCheckpoint?: string }).baseCheckpoint = 'cpX'))]) ?? '', /changes since checkpoint cpX, but full\.kvb ends at checkpoint cp0/);
    assert.match(checkChain([full, other((b) => (b.chainPosition = 5))]) ?? '', /chain position 5, but follows full\.kvb at position 0/);
    assert.match(checkChain([full, other((b) => (b.vms[0] = { ...vm('cp1', 'cp0'), name: 'vm2' }))]) ?? '', /backs up other VMs/);
    const resized = { ...inc1, indexes: [{ ...(inc1.indexes[0] as VolumeIndex), size: 4 * MiB }] };
    assert.match(checkChain([full, resized]) ?? '', /volume ns\/disk references chunks of its base, but full\.kvb has it at 3145728 bytes/);
  });
});

describe('checkChainHeaders', () => {
  it('refuses a missing link or a reordered chain from the headers alone, and leaves the digests to checkChain', () => {
    const [full, inc1, inc2] = chain() as [ChainLink, ChainLink, ChainLink];
    assert.equal(checkChainHeaders([full, inc1, inc2]), undefined);
    assert.match(checkChainHeaders([full, inc2]) ?? '', /inc2\.kvb does not follow full\.kvb: it is at chain position 2, full\.kvb at 0/);
    assert.match(checkChainHeaders([inc1, full]) ?? '', /a chain starts with a full backup/);
    const otherChain = { ...inc1, header: header({ ...(inc1.header.backup as BackupInfo), base: { digest: digest('9') } }) };
    assert.equal(checkChainHeaders([full, otherChain]), undefined, 'a wrong base digest needs the bundle read');
    assert.match(checkChain([full, otherChain]) ?? '', /its base is bundle sha256:999999999999/);
  });
});

describe('chunkHolders', () => {
  it('finds every chunk of the last link in the newest link that stores it', () => {
    const result = chunkHolders(chain());
    assert.ok('holders' in result);
    assert.deepEqual([...result.holders].sort(), [[digest('a'), 0], [digest('d'), 1], [digest('e'), 2]].sort());
  });

  it('reports a chunk that no link stores', () => {
    const [full, inc1, inc2] = chain() as [ChainLink, ChainLink, ChainLink];
    const result = chunkHolders([full, { ...inc1, chunks: new Set() }, inc2]);
    assert.ok('problem' in result);
    assert.match(result.problem, /names chunk d{64} \(offset 1048576\), which no bundle of the chain stores/);
  });
});

describe('incrementalVolumePlan', () => {
  const base = index([data(0, digest('a')), { offset: MiB, length: MiB, zero: true }, data(2 * MiB, digest('c'))], digest('f'));

  it('Full: fetches every chunk with data, makes zero extents of chunks that read as zeros only', () => {
    const plans = incrementalVolumePlan({ size: 3 * MiB, chunkSize: MiB, extents: [{ offset: 0, length: MiB, type: 0 }, { offset: MiB, length: MiB + 4096, type: 3 }, { offset: 2 * MiB + 4096, length: MiB - 4096, type: 0 }] });
    assert.deepEqual(plans.map((p) => p.action), ['fetch', 'zero', 'fetch']);
  });

  it('Incremental: fetches chunks a dirty extent touches whole, takes the rest from the base', () => {
    const plans = incrementalVolumePlan({
      size: 3 * MiB,
      chunkSize: MiB,
      base,
      extents: [{ offset: 0, length: MiB + 64 * 1024, type: 0 }, { offset: MiB + 64 * 1024, length: 64 * 1024, type: 1 }, { offset: MiB + 128 * 1024, length: 2 * MiB - 128 * 1024, type: 0 }],
    });
    assert.deepEqual(plans.map((p) => [p.offset, p.action]), [[0, 'base'], [MiB, 'fetch'], [2 * MiB, 'base']]);
    assert.equal((plans[0] as { extent: DataExtent }).extent.sha256, digest('a'));
  });

  it('Incremental: a chunk dirtied to zeros stays zero where the base had zeros, and is fetched where it had data', () => {
    const plans = incrementalVolumePlan({ size: 3 * MiB, chunkSize: MiB, base, extents: [{ offset: 0, length: 3 * MiB, type: 3 }] });
    assert.deepEqual(plans.map((p) => p.action), ['fetch', 'zero', 'fetch']);
  });

  it('fetches a chunk the map does not cover, and a short last chunk is planned at its length', () => {
    const plans = incrementalVolumePlan({ size: 2 * MiB + 10, chunkSize: MiB, extents: [{ offset: 0, length: MiB, type: 2 }] });
    assert.deepEqual(plans.map((p) => [p.action, p.length]), [['zero', MiB], ['fetch', MiB], ['fetch', 10]]);
  });
});

describe('merge', () => {
  it('makes the last index self-contained, valid without a base, with its sha256', () => {
    const last = chain()[2] as ChainLink;
    const merged = mergedIndex(last.indexes[0] as VolumeIndex, digest('9'));
    assert.equal(merged.sha256, digest('9'));
    assert.ok(merged.extents.every((e) => !('base' in e)));
    assert.equal(volumeIndexProblem('x', merged), undefined);
    assert.equal(volumeIndexProblem('x', last.indexes[0] as VolumeIndex), undefined, 'an incremental index may leave the sha256 out');
    assert.match(volumeIndexProblem('x', { ...merged, sha256: undefined } as unknown as VolumeIndex)?.message ?? '', /no sha256/);
  });

  it('makes the header Full at position 0, keeping the last checkpoint and the merged digests', () => {
    const merged = mergedHeader(chain(), '2026-02-02T00:00:00Z', '1.2.3');
    assert.deepEqual(merged.backup, { type: 'Full', chainPosition: 0, base: null, vms: [{ ...vm('cp2'), type: 'Full' }], mergedFrom: [digest('1'), digest('2'), digest('3')] });
    assert.equal(merged.createdAt, '2026-02-02T00:00:00Z');
    assert.equal(checkChain([{ ...(chain()[2] as ChainLink), header: merged }]), undefined, 'a merged bundle starts a chain');
  });
});

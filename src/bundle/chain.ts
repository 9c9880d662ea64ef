// Incremental chains: the bundle digest, the checks that make a list of bundles one chain, how an incremental's volume is planned from KubeVirt's map, and the merge of a chain into one full bundle.

import type { BackupInfo, BundleHeader, Trailer } from './documents.ts';
import { isZeroExtent, type DataExtent, type VolumeExtent, type VolumeIndex } from './volume-index.ts';

/**
 * The digest that names a bundle in the header of the next incremental of its chain: its trailer's `digest`, the
 * sha256 over every entry but the chunks (header, objects, export records, volume indexes), which name every chunk
 * by its own sha256. Known once a bundle is read to its end, without decompressing a chunk.
 */
export function bundleDigest(trailer: Trailer): string {
  return trailer.digest;
}

/** One bundle of a chain as the checks see it. */
export interface ChainLink {
  /** Names the file in messages. */
  source: string;
  header: BundleHeader;
  /** `bundleDigest` of the bundle. */
  digest: string;
  indexes: readonly VolumeIndex[];
  /** Content digests of the chunks the bundle itself stores. */
  chunks: ReadonlySet<string>;
}

const short = (digest: string) => `sha256:${digest.slice(0, 12)}`;
const vmKey = (vm: { namespace: string; name: string }) => `${vm.namespace}/${vm.name}`;
const volumeKey = (index: { namespace: string; volume: string }) => `${index.namespace}/${index.volume}`;

/**
 * Why `links` (oldest first) are not one chain, in one line naming the files; undefined when they are: the first
 * is a full backup, each next one is an incremental whose base is the bundle before it (digest), at the next
 * position, of the same VMs (UID, tracker) with each VM's base checkpoint the previous checkpoint, and whose volumes
 * that reference a base have the same size and chunk size there. Wrong base, missing link, reordered and duplicate
 * links all fail one of these.
 */
export function checkChain(links: readonly ChainLink[]): string | undefined {
  return chainProblem(links, true);
}

/**
 * The checks of `checkChain` that need only the headers (types, positions, VMs, checkpoints): a quick refusal before
 * every bundle is read to its end for its digest.
 */
export function checkChainHeaders(links: readonly Pick<ChainLink, 'source' | 'header'>[]): string | undefined {
  return chainProblem(links.map((link) => ({ ...link, digest: '', indexes: [], chunks: new Set<string>() })), false);
}

function chainProblem(links: readonly ChainLink[], complete: boolean): string | undefined {
  const [first] = links;
  if (!first) return 'no bundle given';
  const firstBackup = first.header.backup;
  if (!firstBackup) return `${first.source}: not made by export --incremental (no backup section in its header), so it cannot start a chain`;
  if (firstBackup.type !== 'Full' || firstBackup.chainPosition !== 0) {
    return `${first.source}: a chain starts with a full backup, but this is ${firstBackup.type} at chain position ${firstBackup.chainPosition} (give the files oldest first, starting with the full one)`;
  }
  for (let i = 1; i < links.length; i++) {
    const previous = links[i - 1] as ChainLink;
    const link = links[i] as ChainLink;
    const problem = linkProblem(previous, link, complete);
    if (problem) return problem;
  }
  return undefined;
}

function linkProblem(previous: ChainLink, link: ChainLink, complete: boolean): string | undefined {
  const before = previous.header.backup as BackupInfo;
  const backup = link.header.backup;
  if (!backup) return `${link.source}: not made by export --incremental, so it cannot follow ${previous.source} in a chain`;
  if (backup.type === 'Full' || !backup.base) return `${link.source} is a full backup: it starts a chain of its own and cannot follow ${previous.source}`;
  if (complete && backup.base.digest !== previous.digest) {
    return `${link.source} does not follow ${previous.source}: its base is bundle ${short(backup.base.digest)}, ${previous.source} is ${short(previous.digest)} (wrong base, missing link, or files out of order)`;
  }
  if (backup.chainPosition !== before.chainPosition + 1) {
    if (!complete) return `${link.source} does not follow ${previous.source}: it is at chain position ${backup.chainPosition}, ${previous.source} at ${before.chainPosition} (missing link, or files out of order)`;
    return `${link.source} is at chain position ${backup.chainPosition}, but follows ${previous.source} at position ${before.chainPosition}`;
  }
  const earlier = new Map(before.vms.map((vm) => [vmKey(vm), vm]));
  const names = (vms: readonly { namespace: string; name: string }[]) => vms.map(vmKey).sort().join(', ');
  if (backup.vms.length !== before.vms.length || backup.vms.some((vm) => !earlier.has(vmKey(vm)))) {
    return `${link.source} backs up other VMs (${names(backup.vms)}) than ${previous.source} (${names(before.vms)})`;
  }
  for (const vm of backup.vms) {
    const was = earlier.get(vmKey(vm)) as (typeof before.vms)[number];
    if (vm.uid !== was.uid || vm.tracker !== was.tracker) {
      return `${link.source}: VM ${vmKey(vm)} is not the one of ${previous.source} (UID ${vm.uid} tracker ${vm.tracker}, there UID ${was.uid} tracker ${was.tracker})`;
    }
    if (vm.type === 'Incremental' && vm.baseCheckpoint !== was.checkpoint) {
      return `${link.source}: VM ${vmKey(vm)} holds the changes since checkpoint ${vm.baseCheckpoint ?? '(none)'}, but ${previous.source} ends at checkpoint ${was.checkpoint}`;
    }
  }
  const volumes = new Map(previous.indexes.map((index) => [volumeKey(index), index]));
  for (const index of link.indexes) {
    if (!index.extents.some((extent) => !isZeroExtent(extent) && extent.base)) continue;
    const was = volumes.get(volumeKey(index));
    if (!was || was.size !== index.size || was.chunkSize !== index.chunkSize) {
      return `${link.source}: volume ${volumeKey(index)} references chunks of its base, but ${previous.source} ${was ? `has it at ${was.size} bytes in ${was.chunkSize}-byte chunks, not ${index.size} in ${index.chunkSize}` : 'does not hold it'}`;
    }
  }
  return undefined;
}

/**
 * For every data chunk of the last link's volumes, the newest link that stores it (index into `links`); a chunk no
 * link stores is a broken chain, returned as one line.
 */
export function chunkHolders(links: readonly ChainLink[]): { holders: Map<string, number> } | { problem: string } {
  const last = links[links.length - 1];
  const holders = new Map<string, number>();
  if (!last) return { holders };
  for (const index of last.indexes) {
    for (const extent of index.extents) {
      if (isZeroExtent(extent) || holders.has(extent.sha256)) continue;
      let holder = -1;
      for (let i = links.length - 1; i >= 0 && holder < 0; i--) if ((links[i] as ChainLink).chunks.has(extent.sha256)) holder = i;
      if (holder < 0) return { problem: `${last.source}: volume ${volumeKey(index)} names chunk ${extent.sha256} (offset ${extent.offset}), which no bundle of the chain stores` };
      holders.set(extent.sha256, holder);
    }
  }
  return { holders };
}

/** One extent of the map endpoint (`type` bit 0: dirty since the checkpoint; bit 1: reads as zeros). */
export interface MapExtent {
  offset: number;
  length: number;
  type: number;
}

/** What becomes of one chunk of a volume in a backup-API export. */
export type ChunkPlan =
  | { offset: number; length: number; action: 'fetch' }
  | { offset: number; length: number; action: 'zero' }
  | { offset: number; length: number; action: 'base'; extent: DataExtent };

const DIRTY = 1;
const ZERO = 2;

/**
 * Plans every chunk of a volume from its map. Without a base (a Full backup): a chunk with any extent that is not
 * zero is fetched, one of zero extents only is a zero extent. With the base's index (Incremental): a chunk with any
 * dirty extent is fetched whole, so it stays a complete content-addressed unit, unless its dirty extents all read
 * as zeros and the base had zeros there too; every other chunk is the base's (same offset, same digest). A chunk
 * the map does not cover is fetched. Dirty bitmaps are 64 KiB-granular, which divides every chunk size.
 */
export function incrementalVolumePlan(volume: { size: number; chunkSize: number; extents: readonly MapExtent[]; base?: VolumeIndex | undefined }): ChunkPlan[] {
  const { size, chunkSize } = volume;
  const count = Math.ceil(size / chunkSize);
  const data = new Uint8Array(count);
  const dirty = new Uint8Array(count);
  const dirtyData = new Uint8Array(count);
  const covered = new Float64Array(count);
  for (const extent of volume.extents) {
    const end = Math.min(size, extent.offset + extent.length);
    for (let i = Math.floor(extent.offset / chunkSize); i < count && i * chunkSize < end; i++) {
      const lo = Math.max(extent.offset, i * chunkSize);
      const hi = Math.min(end, (i + 1) * chunkSize);
      if (hi <= lo) continue;
      covered[i] = (covered[i] as number) + (hi - lo);
      if ((extent.type & ZERO) === 0) data[i] = 1;
      if (extent.type & DIRTY) {
        dirty[i] = 1;
        if ((extent.type & ZERO) === 0) dirtyData[i] = 1;
      }
    }
  }
  const baseAt = volume.base ? extentFinder(volume.base.extents) : undefined;
  const plans: ChunkPlan[] = [];
  for (let i = 0; i < count; i++) {
    const offset = i * chunkSize;
    const length = Math.min(chunkSize, size - offset);
    const whole = covered[i] === length;
    if (!baseAt) {
      plans.push({ offset, length, action: whole && !data[i] ? 'zero' : 'fetch' });
      continue;
    }
    const before = baseAt(offset);
    const baseZero = before !== undefined && isZeroExtent(before);
    if (!whole || dirtyData[i] || (dirty[i] && !baseZero)) {
      plans.push({ offset, length, action: 'fetch' });
    } else if (baseZero || !before) {
      plans.push({ offset, length, action: before ? 'zero' : 'fetch' });
    } else {
      plans.push({ offset, length, action: 'base', extent: before as DataExtent });
    }
  }
  return plans;
}

/** Finds the extent covering an offset; offsets asked for must increase (a merge walk, not a search). */
function extentFinder(extents: readonly VolumeExtent[]): (offset: number) => VolumeExtent | undefined {
  let at = 0;
  return (offset) => {
    while (at < extents.length && (extents[at] as VolumeExtent).offset + (extents[at] as VolumeExtent).length <= offset) at++;
    const extent = extents[at];
    return extent && extent.offset <= offset ? extent : undefined;
  };
}

/** The last link's index as a self-contained one: no `base` marks (the merged bundle stores every chunk) and its sha256. */
export function mergedIndex(index: VolumeIndex, sha256: string): VolumeIndex {
  const extents = index.extents.map((extent): VolumeExtent => {
    if (isZeroExtent(extent) || !extent.base) return extent;
    const { base: _base, ...own } = extent;
    return own;
  });
  return { ...index, sha256, extents };
}

/**
 * The header of the full bundle `merge` makes of a chain: the last link's, now Full at position 0 with no base,
 * keeping each VM's tracker and last checkpoint (so the next `export --incremental --base` continues from it), and
 * the digests of the merged links as provenance.
 */
export function mergedHeader(links: readonly ChainLink[], createdAt: string, toolVersion: string): BundleHeader {
  const last = links[links.length - 1] as ChainLink;
  const backup = last.header.backup as BackupInfo;
  return {
    ...last.header,
    toolVersion,
    createdAt,
    backup: {
      type: 'Full',
      chainPosition: 0,
      base: null,
      vms: backup.vms.map(({ baseCheckpoint: _since, ...vm }) => ({ ...vm, type: 'Full' as const })),
      mergedFrom: links.flatMap((link) => link.header.backup?.mergedFrom ?? [link.digest]),
    },
  };
}

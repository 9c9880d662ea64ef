// Section 2: `transform` of generated bundles next to the floor: reading and writing the same entries with no rules.
// Section 2b: `transform` of a bundle carrying 1 GiB of incompressible volume data next to `cp` of the same file.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { script, type BenchContext } from './context.ts';
import { measure, measureInterleaved, median } from './measure.ts';
import { mib, ratio, seconds, verdict, type Table } from './report.ts';

/** Targets from issue 9: metadata transform ≤ 2× the floor within 200 MiB; with data ≤ 1.2× cp within 256 MiB. */
export const TRANSFORM_TARGETS = { ratio: 2, peakRssBytes: 200 * 1024 ** 2, dataRatio: 1.2, dataPeakRssBytes: 256 * 1024 ** 2 };

/** One bundle to transform: N VMs, and optionally one volume's data in it. */
export interface TransformCase {
  vms: number;
  dataBytes?: number;
}

export async function benchTransform(ctx: BenchContext, cases: readonly TransformCase[]): Promise<Table> {
  const rows: string[][] = [];
  for (const { vms, dataBytes } of cases) {
    const name = dataBytes === undefined ? `bench-${vms}` : `bench-${vms}-data-${dataBytes}`;
    const bundle = join(ctx.workDir, `${name}.kvb`);
    const output = join(ctx.workDir, `${name}.transformed.kvb`);
    const what = `${vms} VMs${dataBytes === undefined ? '' : ` + ${mib(dataBytes)} MiB of volume data`}`;
    ctx.log(`transform: generating a bundle of ${what}`);
    const data = dataBytes === undefined ? [] : ['--data-bytes', String(dataBytes)];
    await measure(script('scripts/generate-bundle.ts', '--vms', String(vms), ...data, '--output-file', bundle));
    ctx.log(`transform: ${what}, ${ctx.runs} run(s) each of the floor (copy-bundle) and transform`);
    const [floor, tool] = await measureInterleaved(
      [
        script('scripts/bench/copy-bundle.ts', bundle, join(ctx.workDir, `${name}.copied.kvb`)),
        ctx.cli('transform', '-f', bundle, '--seed', 'bench', '--output-file', output),
      ],
      ctx.runs,
    );
    // The output must be a valid bundle, or the timing means nothing.
    await measure(ctx.cli('validate', '-f', output));
    const floorMs = median((floor ?? []).map((m) => m.wallMs));
    const toolMs = median((tool ?? []).map((m) => m.wallMs));
    const rss = median((tool ?? []).map((m) => m.peakRssBytes));
    const floorRss = median((floor ?? []).map((m) => m.peakRssBytes));
    rows.push([
      dataBytes === undefined ? String(vms) : `${vms} + ${mib(dataBytes)} MiB volume`,
      mib((await stat(bundle)).size),
      seconds(floorMs),
      seconds(toolMs),
      ratio(toolMs / floorMs),
      `${mib(floorRss)} / ${mib(rss)}`,
      `${verdict(toolMs / floorMs <= TRANSFORM_TARGETS.ratio)} / ${verdict(rss <= TRANSFORM_TARGETS.peakRssBytes)}`,
    ]);
  }
  return {
    title: 'transform of a bundle (metadata)',
    columns: ['VMs', 'bundle MiB', 'floor: copy-bundle (s)', 'transform (s)', 'ratio', 'peak RSS MiB floor / transform', `target ≤ ${TRANSFORM_TARGETS.ratio}× / ≤ ${mib(TRANSFORM_TARGETS.peakRssBytes)} MiB`],
    rows,
    notes: [
      `medians of ${ctx.runs} interleaved run(s); transform: \`kubectl-kvbackup transform -f B --seed bench --output-file O\`; the floor: \`node scripts/bench/copy-bundle.ts B O\`, which reads every entry and writes the same entries again through the same reader and writer (zstd, JSON, schema checks, tar), streaming, with no rules and the stored graph`,
      'each bundle holds 7 objects per VM (VM, DataVolume, PVC, Secret, ConfigMap, instancetype, ControllerRevision), made by scripts/generate-bundle.ts',
    ],
  };
}

/** transform of a bundle whose data is one volume of incompressible bytes, next to `cp` of the same file. */
export async function benchTransformData(ctx: BenchContext, dataBytes: number): Promise<Table> {
  const bundle = join(ctx.workDir, `bench-data-${dataBytes}.kvb`);
  const copy = join(ctx.workDir, `bench-data-${dataBytes}.copy.kvb`);
  const output = join(ctx.workDir, `bench-data-${dataBytes}.transformed.kvb`);
  ctx.log(`transform-data: generating a bundle of 1 VM + ${mib(dataBytes)} MiB of volume data`);
  await measure(script('scripts/generate-bundle.ts', '--vms', '1', '--data-bytes', String(dataBytes), '--output-file', bundle));
  ctx.log(`transform-data: ${ctx.runs} run(s) each of cp, cp + sync and transform`);
  const [cp, cpSync, tool] = await measureInterleaved(
    [
      ['cp', bundle, copy],
      ['sh', '-c', 'cp "$1" "$2" && sync "$2"', 'sh', bundle, copy],
      ctx.cli('transform', '-f', bundle, '--seed', 'bench', '--output-file', output),
    ],
    ctx.runs,
  );
  await measure(ctx.cli('validate', '-f', output));
  const cpMs = median((cp ?? []).map((m) => m.wallMs));
  const cpSyncMs = median((cpSync ?? []).map((m) => m.wallMs));
  const toolMs = median((tool ?? []).map((m) => m.wallMs));
  const rss = median((tool ?? []).map((m) => m.peakRssBytes));
  return {
    title: `transform of a bundle with ${mib(dataBytes)} MiB of volume data`,
    columns: ['bundle MiB', 'cp (s)', 'cp + sync (s)', 'transform (s)', 'ratio to cp / to cp + sync', 'transform peak RSS (MiB)', `target ≤ ${TRANSFORM_TARGETS.dataRatio}× cp / < ${mib(TRANSFORM_TARGETS.dataPeakRssBytes)} MiB`],
    rows: [
      [
        mib((await stat(bundle)).size),
        seconds(cpMs),
        seconds(cpSyncMs),
        seconds(toolMs),
        `${ratio(toolMs / cpMs)} / ${ratio(toolMs / cpSyncMs)}`,
        mib(rss),
        `${verdict(toolMs / cpMs <= TRANSFORM_TARGETS.dataRatio)} / ${verdict(rss < TRANSFORM_TARGETS.dataPeakRssBytes)}`,
      ],
    ],
    notes: [
      `medians of ${ctx.runs} interleaved run(s); the bundle: \`scripts/generate-bundle.ts --vms 1 --data-bytes ${dataBytes}\` (incompressible bytes: 1 MiB chunks stored raw); transform: \`kubectl-kvbackup transform -f B --seed bench --output-file O\`, which copies every chunk verbatim, checking size and framing; the output is validated afterwards`,
      'transform writes under a temporary name, fsyncs and renames (a bundle on disk is complete or absent); `cp + sync` is the floor that does the same, `cp` leaves the data in the page cache',
    ],
  };
}

// Section 2: `transform` of generated bundles next to a gzip round trip of the same bundle (the floor).

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { script, type BenchContext } from './context.ts';
import { measure, measureInterleaved, median } from './measure.ts';
import { mib, ratio, seconds, verdict, type Table } from './report.ts';

/** Targets from issue 6. */
export const TRANSFORM_TARGETS = { ratio: 1.5, peakRssBytes: 200_000_000 };

/** One bundle to transform: N VMs, and optionally one volume's data in it. */
export interface TransformCase {
  vms: number;
  dataBytes?: number;
}

export async function benchTransform(ctx: BenchContext, cases: readonly TransformCase[]): Promise<Table> {
  const rows: string[][] = [];
  for (const { vms, dataBytes } of cases) {
    const name = dataBytes === undefined ? `bench-${vms}` : `bench-${vms}-data-${dataBytes}`;
    const bundle = join(ctx.workDir, `${name}.tar.gz`);
    const output = join(ctx.workDir, `${name}.transformed.tar.gz`);
    const what = `${vms} VMs${dataBytes === undefined ? '' : ` + ${mib(dataBytes)} MiB of volume data`}`;
    ctx.log(`transform: generating a bundle of ${what}`);
    const data = dataBytes === undefined ? [] : ['--data-bytes', String(dataBytes)];
    await measure(script('scripts/generate-bundle.ts', '--vms', String(vms), ...data, '--output-file', bundle));
    const tarBytes = (await measure(['sh', '-c', `gzip -dc '${bundle}' | wc -c`], { captureStdout: true })).stdout.trim();
    ctx.log(`transform: ${what}, ${ctx.runs} run(s) each of the gzip round trip and transform`);
    const [floor, tool] = await measureInterleaved(
      [
        ['sh', '-c', `gzip -dc '${bundle}' | gzip > /dev/null`],
        ctx.cli('transform', '-f', bundle, '--seed', 'bench', '--output-file', output),
      ],
      ctx.runs,
    );
    // The output must be a valid bundle, or the timing means nothing.
    await measure(ctx.cli('validate', '-f', output));
    const floorMs = median((floor ?? []).map((m) => m.wallMs));
    const toolMs = median((tool ?? []).map((m) => m.wallMs));
    const rss = median((tool ?? []).map((m) => m.peakRssBytes));
    rows.push([
      dataBytes === undefined ? String(vms) : `${vms} + ${mib(dataBytes)} MiB volume`,
      `${mib((await stat(bundle)).size)} / ${mib(Number(tarBytes))}`,
      seconds(floorMs),
      seconds(toolMs),
      ratio(toolMs / floorMs),
      mib(rss),
      `${verdict(toolMs / floorMs <= TRANSFORM_TARGETS.ratio)} / ${verdict(rss <= TRANSFORM_TARGETS.peakRssBytes)}`,
    ]);
  }
  return {
    title: 'transform of a bundle',
    columns: ['VMs', 'bundle MiB (gz / tar)', 'gzip -dc | gzip (s)', 'transform (s)', 'ratio', 'transform peak RSS (MiB)', `target ≤ ${TRANSFORM_TARGETS.ratio}× / ≤ ${TRANSFORM_TARGETS.peakRssBytes / 1e6} MB`],
    rows,
    notes: [
      `medians of ${ctx.runs} interleaved run(s); transform: \`kubectl-kvbackup transform -f B --seed bench --output-file O\`; the floor: \`gzip -dc B | gzip > /dev/null\``,
      'each bundle holds 7 objects per VM (VM, DataVolume, PVC, Secret, ConfigMap, instancetype, ControllerRevision), made by scripts/generate-bundle.ts; with a volume, VM 1 also has an export record and its (incompressible) data, which transform streams through unchanged',
    ],
  };
}

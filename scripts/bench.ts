// Benchmarks kubectl-kvbackup against the floor (kubectl get, gzip, curl) and prints Markdown tables (BENCHMARKS.md).
// Run: npm run bench -- [--smoke] [--runs 5] [--only export,transform,transform-data,data,restore,incremental,push] [--from-source] [--keep-work-dir]
// Export, data, restore and incremental need the local control plane (scripts/control-plane.sh up), push the local
// registry (scripts/registry.sh up); transform needs nothing.
//
// By default the CLI is measured as it ships: compiled by tsc (tsconfig.build.json) into the work directory, run as
// JavaScript. --from-source runs cmd/kubectl-kvbackup.ts through Node's type stripping instead (slower to start).

import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cliAt, REPO_ROOT, SOURCE_ENTRY, type BenchContext } from './bench/context.ts';
import { hasGnuTime, measure } from './bench/measure.ts';
import { renderTable, type Table } from './bench/report.ts';
import { benchTransform, benchTransformData, type TransformCase } from './bench/transform-bench.ts';

const SECTIONS = ['export', 'transform', 'transform-data', 'data', 'restore', 'incremental', 'push'] as const;
type Section = (typeof SECTIONS)[number];

/** N per section: the sizes (and a bundle with 1 GiB of volume data), or small ones for the smoke run. */
const SIZES: Record<'full' | 'smoke', { export: number[]; transform: TransformCase[]; transformData: number }> = {
  full: { export: [100, 1000, 5000], transform: [{ vms: 1000 }, { vms: 10_000 }], transformData: 1024 ** 3 },
  smoke: { export: [5], transform: [{ vms: 20 }], transformData: 4 * 1024 ** 2 },
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string' },
      'from-source': { type: 'boolean', default: false },
      'keep-work-dir': { type: 'boolean', default: false },
    },
  });
  const smoke = values.smoke;
  const runs = values.runs === undefined ? (smoke ? 1 : 5) : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error('--runs must be 1..50');
  const only = (values.only?.split(',') ?? [...SECTIONS]) as Section[];
  for (const section of only) if (!SECTIONS.includes(section)) throw new Error(`unknown section ${section} (${SECTIONS.join(', ')})`);

  const workDir = await mkdtemp(join(tmpdir(), 'kvb-bench-'));
  const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
  const sizes = SIZES[smoke ? 'smoke' : 'full'];
  try {
    const entry = values['from-source'] ? SOURCE_ENTRY : await build(workDir, log);
    const ctx: BenchContext = { workDir, runs, smoke, log, cli: cliAt(entry) };
    process.stdout.write(machine(values['from-source'] ? 'from source (type stripping)' : 'built with tsc -p tsconfig.build.json'));
    if (smoke) process.stdout.write('smoke run: small N, one run each; it checks that every step works, its times and verdicts mean nothing\n');
    for (const section of only) {
      // Loaded only when needed: the cluster sections pull in @kubernetes/client-node.
      const table: Table =
        section === 'transform'
          ? await benchTransform(ctx, sizes.transform)
          : section === 'transform-data'
            ? await benchTransformData(ctx, sizes.transformData)
            : section === 'restore'
              ? await (await import('./bench/restore-bench.ts')).benchRestore(ctx)
              : section === 'incremental'
                ? await (await import('./bench/incremental-bench.ts')).benchIncremental(ctx, await (await import('./e2e/cluster.ts')).connect())
                : section === 'push'
                  ? await (await import('./bench/push-bench.ts')).benchPush(ctx)
                  : await (await import('./bench/cluster-bench.ts')).benchCluster(ctx, section, sizes.export);
      process.stdout.write(`\n${renderTable(table)}`);
    }
  } finally {
    if (values['keep-work-dir']) log(`kept ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
}

/** Compiles the CLI as it ships into `workDir/dist` (next to a link to node_modules) and returns its entry point. */
async function build(workDir: string, log: (message: string) => void): Promise<string> {
  log('compiling the CLI (tsc -p tsconfig.build.json)');
  const outDir = join(workDir, 'dist');
  await measure([process.execPath, join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', outDir]);
  await symlink(join(REPO_ROOT, 'node_modules'), join(workDir, 'node_modules'), 'dir');
  return join(outDir, 'cmd/kubectl-kvbackup.js');
}

function machine(cli: string): string {
  const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);
  return [
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${gib(totalmem())} GiB memory (${gib(freemem())} GiB free), Node ${process.version}, ${process.platform}`,
    `CLI: ${cli}`,
    `peak RSS: ${hasGnuTime() ? 'GNU time %M' : 'VmHWM polled every 10 ms (no /usr/bin/time)'}`,
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

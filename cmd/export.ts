// `export`: back up VMs from a cluster into a bundle (metadata, optionally snapshots, exports and volume data).

import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../src/errors.ts';
import { withClusterFlags } from './cluster-flags.ts';
import { readDryRun, withDryRun } from './dry-run.ts';
import { type ArgsOf, verbosityOf, withOutputFile } from './flags.ts';
import { streams } from './streams.ts';
import { DEFAULT_PARALLEL, MAX_PARALLEL } from '../src/app/options.ts';

function builder(yargs: Argv) {
  return withDryRun(withOutputFile(withClusterFlags(yargs)), 'client: print what would be exported, frozen and snapshotted; server: the same, refused with --snapshot or --export (freezing has no server-side dry run)')
    .positional('names', { type: 'string', array: true, description: 'VM (or standalone VMI, replica set, pool) names; none: every one in the namespace' })
    .option('quiesce', {
      choices: ['auto', 'always', 'never'] as const,
      default: 'auto' as const,
      description: 'With --snapshot, freeze guest filesystems first: auto = running guests with a connected agent; always = fail unless every running guest can be frozen',
    })
    .option('snapshot', { type: 'boolean', default: false, description: 'Take a VirtualMachineSnapshot of every VM and wait until it is readyToUse' })
    .option('export', { type: 'boolean', default: false, description: 'Create a VirtualMachineExport per VM (from its snapshot with --snapshot) and record its links' })
    .option('with-data', { type: 'boolean', default: false, description: 'Fetch every volume into the bundle as deduplicated, compressed chunks (raw with Range preferred); needs --export' })
    .option('parallel', { type: 'number', default: DEFAULT_PARALLEL, description: `With --with-data: requests to the export servers at once, across volumes (1-${MAX_PARALLEL})`, requiresArg: true })
    .option('resume', { type: 'boolean', default: false, description: 'With --with-data and --output-file: continue the interrupted export of that file (its chunks are not fetched again); starts a new one if there is none' })
    .option('incremental', {
      type: 'boolean',
      default: false,
      description:
        "Back up through KubeVirt's backup API (a pull-mode VirtualMachineBackup of the tool's tracker per VM): with --base only the chunks changed since it are fetched; implies --with-data. Without the API or changed block tracking: a full --snapshot --export --with-data export, with a warning",
    })
    .option('base', { type: 'string', description: 'With --incremental: the previous bundle of the chain (a file); without it, or when it does not match the tracker, the backup is full', requiresArg: true })
    .option('include-token', { type: 'boolean', default: false, description: 'Write the export token into the bundle (it grants read access to the volumes)' })
    .option('keep', { type: 'boolean', default: false, description: 'Keep the snapshots, exports and token Secrets this run created (default: delete them)' })
    .option('gzip', { type: 'boolean', default: true, description: 'Gzip the bundle (--no-gzip for a plain tar)' })
    .option('timeout', { type: 'number', default: 0, description: 'Seconds for the whole export; 0: no limit', requiresArg: true })
    .option('snapshot-timeout', { type: 'number', default: 300, description: 'Seconds to wait for the snapshots (also their failureDeadline)', requiresArg: true })
    .option('export-timeout', { type: 'number', default: 300, description: 'Seconds to wait for the exports to be Ready', requiresArg: true })
    .option('unfreeze-timeout', { type: 'number', description: 'Seconds after which a frozen guest thaws by itself, even if kubectl-kvbackup dies (default: snapshot timeout + 30)', requiresArg: true })
    .option('export-ttl', { type: 'number', default: 7200, description: 'Seconds after which KubeVirt deletes an export this run left behind', requiresArg: true })
    .check((argv) => {
      for (const flag of ['timeout', 'snapshot-timeout', 'export-timeout', 'unfreeze-timeout', 'export-ttl'] as const) {
        const value = argv[flag];
        if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new Error(`--${flag} must be a number of seconds ≥ 0`);
      }
      return true;
    })
    .implies('with-data', 'export')
    .implies('resume', 'with-data')
    .implies('include-token', 'export')
    .implies('base', 'incremental')
    .example('$0 export vm1 -n prod --output-file vm1.kvb', 'Export the manifests and dependencies of one VM')
    .example('$0 export -n prod -l app=db --snapshot --export --output-file db.kvb', 'Quiesce, snapshot and export the VMs labelled app=db')
    .example('$0 export vm1 --snapshot --export --with-data --output-file - > vm1.kvb', 'A self-contained bundle with the volume data, to stdout')
    .example('$0 export vm1 --snapshot --export --with-data --output-file vm1.kvb --resume', 'Continue an interrupted export of vm1.kvb, or start it')
    .example('$0 export vm1 --incremental --base vm1-mon.kvb --output-file vm1-tue.kvb', 'Only what changed since the previous bundle of the chain')
    .example('$0 export -A --dry-run=client --snapshot', 'Show what would be exported, frozen and snapshotted');
}

export const exportCommand: CommandModule<object, ArgsOf<typeof builder> & { names?: string[] }> = {
  command: 'export [names..]',
  describe: 'Export VMs and everything they depend on from a cluster into a bundle',
  builder,
  async handler(argv) {
    const { runExport } = await import('../src/app/export.ts');
    const snapshotTimeout = argv['snapshot-timeout'];
    const dryRun = readDryRun(argv['dry-run'], streams(), true);
    if (dryRun.mode === 'server' && (argv.snapshot || argv.export)) {
      throw new UsageError('--dry-run=server cannot be combined with --snapshot or --export: guest freezing has no server-side dry run (use --dry-run=client)');
    }
    await runExport(
      {
        names: [...(dryRun.positional === undefined ? [] : [dryRun.positional]), ...(argv.names ?? []).map(String)],
        kubeconfig: argv.kubeconfig,
        context: argv.context,
        namespace: argv.namespace,
        allNamespaces: argv['all-namespaces'],
        selector: argv.selector,
        verbose: verbosityOf(argv) >= 1,
        quiesce: argv.quiesce,
        // --incremental falls back to a full snapshot + export when the backup API cannot serve it.
        snapshot: argv.snapshot || argv.incremental,
        export: argv.export || argv.incremental,
        withData: argv['with-data'] || argv.incremental,
        includeToken: argv['include-token'],
        keep: argv.keep,
        dryRun: dryRun.mode !== 'none',
        gzip: argv.gzip,
        outputFile: argv['output-file'],
        timeoutSeconds: argv.timeout,
        snapshotTimeoutSeconds: snapshotTimeout,
        exportTimeoutSeconds: argv['export-timeout'],
        unfreezeTimeoutSeconds: argv['unfreeze-timeout'] ?? snapshotTimeout + 30,
        exportTtlSeconds: argv['export-ttl'],
        parallel: argv.parallel,
        resume: argv.resume,
        incremental: argv.incremental,
        base: argv.base,
      },
      streams(),
    );
  },
};

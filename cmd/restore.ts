// `restore`: apply a bundle or manifests to a cluster, transformed for restore, in dependency order.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, inputFilesOf, verbosityOf, withFilename, withNamespace, withOutputFormat } from './flags.ts';
import { readDryRun, withDryRun } from './dry-run.ts';
import { streams } from './streams.ts';
import { readTransformFlags, withTransformFlags } from './transform-flags.ts';
import { withRegistryFlags } from './registry-flags.ts';

const formats = ['text', 'json'] as const;

function builder(yargs: Argv) {
  return withDryRun(
    withTransformFlags(withOutputFormat(withNamespace(withFilename(withRegistryFlags(yargs))), formats, 'text'), 'derived from the input and the namespace flags, printed on stderr'),
    'client: read the cluster and say what would happen; server: also have the apiserver validate every object (nothing is persisted)',
  )
    .option('kubeconfig', { type: 'string', description: 'Path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account)', requiresArg: true })
    .option('context', { type: 'string', description: 'The kubeconfig context to use', requiresArg: true })
    .option('on-conflict', {
      choices: ['fail', 'skip', 'replace'] as const,
      default: 'fail' as const,
      description: 'An object that exists and differs: fail, skip it, or replace it (PVCs and DataVolumes are deleted and created again). Identical objects are always left alone',
    })
    .option('wait', { type: 'boolean', default: false, description: 'Wait until PVCs are Bound, DataVolumes Succeeded and VMs Running (runStrategy Always) or Stopped (Halted)' })
    .option('timeout', { type: 'number', default: 300, description: 'Seconds for each wait (--wait, upload readiness, recreating replaced volumes)', requiresArg: true })
    .option('allow-collisions', { type: 'boolean', default: false, description: 'Restore even when live VMs already use a MAC address, firmware serial or UUID the restore sets' })
    .option('data-source', {
      choices: ['bundle', 'export-url', 'none'] as const,
      description: "Volume data: bundle = upload the bundle's data through CDI; export-url = import from the recorded export URLs; none = rely on the CDI prePopulated annotations (default: bundle when the bundle carries data, else none)",
    })
    .option('upload-proxy-url', { type: 'string', description: "CDI upload proxy URL (default: the CDIConfig's status.uploadProxyURL)", requiresArg: true })
    .option('allow-kind', {
      type: 'string',
      array: true,
      requiresArg: true,
      description: 'Also create objects of this kind (KIND.GROUP, repeatable); without it restore creates only the kinds a VM backup holds',
    })
    .option('allow-export-host', {
      type: 'string',
      array: true,
      requiresArg: true,
      description: 'With --data-source export-url: allow export URLs on this loopback, link-local or metadata host[:port] (repeatable)',
    })
    .option('upload-proxy-ca', { type: 'string', description: "PEM file of the CA that signs the upload proxy's certificate (default: the system's and the kubeconfig's)", requiresArg: true })
    .check((argv) => {
      if (!Number.isFinite(argv.timeout) || argv.timeout <= 0) throw new Error('--timeout must be a number of seconds > 0');
      return true;
    })
    .demandOption('filename')
    .example('$0 restore -f backup.kvb --target-namespace staging --wait', 'Restore a backup into another namespace and wait for it')
    .example('$0 restore -f backup.kvb --dry-run=server', 'Have the apiserver validate every object, changing nothing')
    .example('$0 export -n prod --output-file - | $0 restore -f - --target-namespace prod-copy', 'Copy VMs through a pipe')
    .example('$0 restore -f backup.kvb --on-conflict replace', 'Overwrite objects that exist and differ');
}

export const restoreCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'restore',
  describe: 'Restore a bundle or manifests onto a cluster (transformed first unless the bundle already was)',
  builder,
  async handler(argv) {
    const { runRestore } = await import('../src/app/restore.ts');
    await runRestore(
      {
        input: inputFilesOf(argv),
        namespace: argv.namespace,
        kubeconfig: argv.kubeconfig,
        context: argv.context,
        verbose: verbosityOf(argv) >= 1,
        output: argv.output ?? 'text',
        onConflict: argv['on-conflict'],
        dryRun: readDryRun(argv['dry-run'], streams(), false).mode,
        wait: argv.wait,
        timeoutSeconds: argv.timeout,
        allowCollisions: argv['allow-collisions'],
        dataSource: argv['data-source'],
        uploadProxyUrl: argv['upload-proxy-url'],
        uploadProxyCa: argv['upload-proxy-ca'],
        allowKinds: (argv['allow-kind'] ?? []).map(String),
        allowExportHosts: (argv['allow-export-host'] ?? []).map(String),
        transform: readTransformFlags(argv),
      },
      streams(),
    );
  },
};

// `transform`: rewrite a bundle or manifests for restore, offline and reproducibly.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, withFilename, withNamespace, withOutputFile, withOutputFormat } from './flags.ts';
import { streams } from './streams.ts';
import { readTransformFlags, withTransformFlags } from './transform-flags.ts';

const formats = ['bundle', 'yaml', 'json'] as const;

function builder(yargs: Argv) {
  return withTransformFlags(withOutputFile(withOutputFormat(withNamespace(withFilename(yargs)), formats)))
    .option('report', {
      type: 'string',
      description: 'Write a JSON report of every change and every dropped object to this file',
      requiresArg: true,
    })
    .demandOption('filename')
    .example('$0 transform -f backup.tar --target-namespace staging --output-file staging.tar', 'Move a backup to another namespace')
    .example('cat vms.yaml | $0 transform -f - -o yaml --seed demo', 'Sanitise manifests from a pipe, reproducibly')
    .example('$0 transform -f backup.tar --storage-class-map ceph=gp3 --run-strategy Halted --report changes.json -o yaml', 'Map storage classes, keep VMs halted, and report every change');
}

export const transformCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'transform',
  describe: 'Rewrite a bundle or manifests for restore (offline), reporting every change',
  builder,
  async handler(argv) {
    const { runTransform } = await import('../src/app/transform.ts');
    await runTransform(
      {
        filename: argv.filename,
        namespace: argv.namespace,
        output: argv.output,
        outputFile: argv['output-file'],
        reportFile: argv.report,
        transform: readTransformFlags(argv),
      },
      streams(),
    );
  },
};

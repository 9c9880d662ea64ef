// `transform`: rewrite a bundle or manifests for restore, offline and reproducibly.

import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../src/errors.ts';
import { type ArgsOf, inputFilesOf, resolveOutput, withDocumentOutput, withFilename, withNamespace, withOutputFile } from './flags.ts';
import { streams } from './streams.ts';
import { readTransformFlags, withTransformFlags } from './transform-flags.ts';
import { withRegistryFlags } from './registry-flags.ts';

const formats = ['bundle', 'yaml', 'json', 'name'] as const;

function builder(yargs: Argv) {
  return withTransformFlags(withOutputFile(withDocumentOutput(withNamespace(withFilename(withRegistryFlags(yargs))), formats)))
    .option('report', {
      type: 'string',
      description: 'Write a JSON report of every change and every dropped object to this file',
      requiresArg: true,
    })
    .check((argv) => {
      if (argv.report === '-' && argv['output-file'] === '-') throw new UsageError('--report - and the output both go to stdout: write one of them to a file (--report <file> or --output-file <file>)');
      return true;
    })
    .demandOption('filename')
    .example('$0 transform -f backup.tar --target-namespace staging --output-file staging.tar', 'Move a backup to another namespace')
    .example('cat vms.yaml | $0 transform -f - -o yaml --seed demo', 'Sanitise manifests from a pipe, reproducibly')
    .example('$0 transform -f vms/ -R -o jsonpath=\'{range .items[*]}{.metadata.name}{"\\n"}{end}\'', 'The names of the objects that would be restored')
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
        input: inputFilesOf(argv),
        namespace: argv.namespace,
        output: argv.output === undefined ? undefined : await resolveOutput(argv.output),
        outputFile: argv['output-file'],
        reportFile: argv.report,
        transform: readTransformFlags(argv),
      },
      streams(),
    );
  },
};

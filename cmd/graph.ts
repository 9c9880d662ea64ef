// `graph`: the dependency graph of manifests or a bundle, offline.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, withFilename, withNamespace, withOutputFile, withOutputFormat } from './flags.ts';
import { streams } from './streams.ts';

const formats = ['tree', 'json', 'yaml', 'dot'] as const;

function builder(yargs: Argv) {
  return withOutputFile(withOutputFormat(withNamespace(withFilename(yargs)), formats, 'tree'))
    .option('require-complete', {
      type: 'boolean',
      default: false,
      description: 'Exit 1 and list the missing targets of non-optional edges',
    })
    .demandOption('filename')
    .example('$0 graph -f vms.yaml', 'Print one tree per VM, standalone VMI, replica set and pool')
    .example('$0 graph -f backup.tar -o dot | dot -Tsvg > graph.svg', 'Draw the graph of a bundle')
    .example('$0 graph -f manifests/ -o json --require-complete', 'Fail when a required object is missing');
}

export const graphCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'graph',
  describe: 'Print the dependency graph of manifests or a bundle (offline)',
  builder,
  async handler(argv) {
    const { runGraph } = await import('../src/app/graph.ts');
    await runGraph(
      {
        filename: argv.filename,
        namespace: argv.namespace,
        output: argv.output ?? 'tree',
        outputFile: argv['output-file'],
        requireComplete: argv['require-complete'],
      },
      streams(),
    );
  },
};

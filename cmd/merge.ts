// `merge`: make the equivalent full bundle of an incremental chain, offline.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, inputFilesOf, withOutputFile } from './flags.ts';
import { streams } from './streams.ts';

function builder(yargs: Argv) {
  return withOutputFile(yargs)
    .option('filename', { alias: 'f', type: 'string', description: 'A bundle of the chain (repeatable, oldest first: the full one, then each incremental)', requiresArg: true })
    .demandOption('filename')
    .example('$0 merge -f mon.kvb -f tue.kvb -f wed.kvb --output-file wed-full.kvb', 'One full bundle with the state of wed.kvb; export --incremental --base wed-full.kvb continues the chain');
}

export const mergeCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'merge',
  describe: 'Merge an incremental chain (full, then incrementals) into the equivalent full bundle, offline',
  builder,
  async handler(argv) {
    const { runMerge } = await import('../src/app/merge.ts');
    await runMerge({ filenames: inputFilesOf({ filename: argv.filename, recursive: false, strict: false }).filenames, outputFile: argv['output-file'] }, streams());
  },
};

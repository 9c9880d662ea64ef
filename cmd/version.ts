// `version`: the tool, bundle format and runtime versions.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, withOutputFormat } from './flags.ts';
import { streams } from './streams.ts';

function builder(yargs: Argv) {
  return withOutputFormat(yargs, ['text', 'json'] as const, 'text').example('$0 version -o json', 'Versions as JSON');
}

export const versionCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'version',
  describe: 'Print the version of kubectl-kvbackup and the bundle format it writes',
  builder,
  async handler(argv) {
    const { runVersion } = await import('../src/app/version.ts');
    runVersion({ output: argv.output ?? 'text' }, streams());
  },
};

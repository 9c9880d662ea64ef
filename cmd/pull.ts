// `pull`: copy a bundle from an OCI registry to a file or stdout.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, withOutputFile } from './flags.ts';
import { withRegistryFlags } from './registry-flags.ts';
import { streams } from './streams.ts';

function builder(yargs: Argv) {
  return withOutputFile(withRegistryFlags(yargs))
    .positional('source', { type: 'string', description: 'oci://HOST[:PORT]/REPOSITORY[:TAG|@sha256:DIGEST]', demandOption: true })
    .example('$0 pull oci://registry.example.com/backups/prod:2026-12-08 --output-file prod.kvb', 'The bundle as it was pushed, byte for byte')
    .example('$0 pull oci://registry.example.com/backups/prod:nightly | $0 inspect -', 'Pull to a pipe');
}

export const pullCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'pull <source>',
  describe: 'Copy a bundle from an OCI registry to a file or stdout, as it was pushed',
  builder,
  async handler(argv) {
    const { runPull } = await import('../src/app/pull.ts');
    await runPull({ source: argv.source, outputFile: argv['output-file'] }, streams());
  },
};

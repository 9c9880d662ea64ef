// `push`: copy a bundle to an OCI registry.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, withOutputFormat } from './flags.ts';
import { positionalPath } from './bundle-argument.ts';
import { withRegistryFlags } from './registry-flags.ts';
import { streams } from './streams.ts';

function builder(yargs: Argv) {
  return withOutputFormat(withRegistryFlags(yargs), ['text', 'json'] as const, 'text')
    .positional('bundle', { type: 'string', description: 'The bundle: a file, - for stdin, or oci://HOST/REPOSITORY:TAG', demandOption: true })
    .positional('destination', { type: 'string', description: 'oci://HOST[:PORT]/REPOSITORY[:TAG] (default tag: latest)', demandOption: true })
    .example('$0 push backup.kvb oci://registry.example.com/backups/prod:2026-12-08', 'Upload the chunks the registry lacks, then tag the bundle')
    .example('$0 export -n prod --with-data --output-file - | $0 push - oci://registry.example.com/backups/prod:nightly', 'Export straight to a registry')
    .example('$0 push oci://registry-a.example.com/b/prod:1 oci://registry-b.example.com/b/prod:1', 'Copy a bundle between registries');
}

export const pushCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'push <bundle> <destination>',
  describe: 'Copy a bundle to an OCI registry (only the chunks it lacks are uploaded)',
  builder,
  async handler(argv) {
    const { runPush } = await import('../src/app/push.ts');
    await runPush({ bundle: positionalPath(argv.bundle), destination: argv.destination, output: argv.output ?? 'text' }, streams());
  },
};

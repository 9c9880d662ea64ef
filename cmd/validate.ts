// `validate`: check a bundle end to end.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, resolveOutput, withDocumentOutput } from './flags.ts';
import { streams } from './streams.ts';
import { bundleFilename, withBundleArgument } from './bundle-argument.ts';
import { withRegistryFlags } from './registry-flags.ts';

function builder(yargs: Argv) {
  return withDocumentOutput(withBundleArgument(withRegistryFlags(yargs)), ['text', 'json'] as const, 'text')
    .example('$0 validate backup.tar', 'Check header, schemas, checksums and graph completeness; exit 0 only if all hold');
}

export const validateCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'validate [bundle]',
  describe: 'Check the header, schemas, checksums and graph completeness of a bundle',
  builder,
  async handler(argv) {
    const { runValidate } = await import('../src/app/validate.ts');
    const output = await resolveOutput(argv.output ?? 'text');
    await runValidate({ filename: bundleFilename(argv), output }, streams());
  },
};

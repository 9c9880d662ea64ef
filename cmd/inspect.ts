// `inspect`: what a bundle holds.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, resolveOutput, withDocumentOutput } from './flags.ts';
import { streams } from './streams.ts';
import { bundleFilename, withBundleArgument } from './bundle-argument.ts';
import { withRegistryFlags } from './registry-flags.ts';

function builder(yargs: Argv) {
  return withDocumentOutput(withBundleArgument(withRegistryFlags(yargs)), ['text', 'json'] as const, 'text')
    .example('$0 inspect backup.tar', 'List objects, graph summary, exports and data sizes')
    .example('$0 inspect backup.tar -o jsonpath=\'{.header.createdAt}\'', 'One field of the inspection')
    .example('$0 export -n prod --output-file - | $0 inspect -f - -o json', 'Inspect a bundle from a pipe, as JSON');
}

export const inspectCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'inspect [bundle]',
  describe: 'List the objects, graph, exports and data of a bundle',
  builder,
  async handler(argv) {
    const { runInspect } = await import('../src/app/inspect.ts');
    const output = await resolveOutput(argv.output ?? 'text');
    await runInspect({ filename: bundleFilename(argv), output }, streams());
  },
};

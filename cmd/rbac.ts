// `rbac`: print the minimal ClusterRole that `export` needs.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, resolveOutput, withDocumentOutput } from './flags.ts';
import { streams } from './streams.ts';

function builder(yargs: Argv) {
  return withDocumentOutput(yargs, ['yaml', 'json', 'name'] as const, 'yaml')
    .example('$0 rbac | kubectl apply -f -', 'Create the ClusterRole')
    .example('kubectl create rolebinding kvbackup --clusterrole=kubectl-kvbackup-export --serviceaccount=ops:backup -n prod', 'Grant it in one namespace');
}

export const rbacCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'rbac',
  describe: 'Print the minimal ClusterRole that export needs',
  builder,
  async handler(argv) {
    const { runRbac } = await import('../src/app/rbac.ts');
    runRbac({ output: await resolveOutput(argv.output ?? 'yaml') }, streams());
  },
};

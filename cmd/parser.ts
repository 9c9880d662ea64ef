// The command-line parser shared by the executable and its kubectl completion hook.

import yargs from 'yargs';
import { UsageError } from '../src/errors.ts';
import { commands } from './index.ts';

export const PROGRAM = 'kubectl-kvbackup';

export function createParser(args: string[]) {
  return (
    yargs(args)
      .scriptName(PROGRAM)
      .usage('$0 <command> [flags]\n\nBack up, restore and migrate KubeVirt virtual machines. As a kubectl plugin: kubectl kvbackup <command>.')
      .command(commands as never)
      .demandCommand(1, 'name a command')
      .recommendCommands()
      .strict()
      .completion('completion', 'Print a bash/zsh completion script (source <(kubectl-kvbackup completion))')
      .version(false)
      .exitProcess(false)
      .help()
      .alias('help', 'h')
      .wrap(Math.min(110, process.stdout.columns || 110))
      // A failing handler must not print the help text; validation messages become usage errors.
      .fail((message, error) => {
        if (message) throw new UsageError(message);
        throw error;
      })
  );
}

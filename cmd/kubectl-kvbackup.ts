#!/usr/bin/env node
// The executable: parses the command line and maps every error to its exit code, once, here.

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, KvbError, UsageError } from '../src/errors.ts';
import { commands } from './index.ts';

const program = 'kubectl-kvbackup';

async function main(args: string[]): Promise<number> {
  const parser = yargs(args)
    .scriptName(program)
    .usage('$0 <command> [flags]\n\nBack up, restore and migrate KubeVirt virtual machines. As a kubectl plugin: kubectl kvbackup <command>.')
    .command(commands as never)
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .strict()
    .completion('completion', 'Print a bash/zsh completion script (source <(kubectl-kvbackup completion))')
    .version(false)
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 110))
    // A failing handler must not print the help text; validation messages become usage errors.
    .fail((message, error) => {
      if (message) throw new UsageError(message);
      throw error;
    });
  await parser.parseAsync();
  return ExitCode.ok;
}

function report(error: unknown): number {
  if (error instanceof KvbError) {
    process.stderr.write(`error: ${error.message}\n`);
    for (const line of error.details) process.stderr.write(`  ${line}\n`);
    if (error instanceof UsageError) process.stderr.write(`See '${program} --help'.\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`internal error (please report it): ${stack}\n`);
  return ExitCode.internal;
}

// A closed pipe (`| head`) ends the output quietly, as other Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(hideBin(process.argv)).catch(report);

#!/usr/bin/env node
// The executable: parses the command line and maps every error to its exit code, once, here.

import { hideBin } from 'yargs/helpers';
import { ExitCode, KvbError, UsageError } from '../src/errors.ts';
import { createParser, PROGRAM } from './parser.ts';
import { streams } from './streams.ts';

async function main(args: string[]): Promise<number> {
  await createParser(args).parseAsync();
  return ExitCode.ok;
}

function report(error: unknown): number {
  const stderr = streams().stderr;
  if (error instanceof KvbError) {
    stderr.write(`error: ${error.message}\n`);
    for (const line of error.details) stderr.write(`  ${line}\n`);
    if (error instanceof UsageError) stderr.write(`See '${PROGRAM} --help'.\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`internal error (please report it): ${stack}\n`);
  return ExitCode.internal;
}

// A closed pipe (`| head`) ends the output quietly, as other Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(hideBin(process.argv)).catch(report);

// The command line: parses it, runs the command and maps every error to its exit code, once, here.

import { hideBin } from 'yargs/helpers';
import { ExitCode, KvbError, UsageError } from '../src/errors.ts';
import { fsErrorCode, pathError } from '../src/io/files/path-error.ts';
import { createParser, DISPLAY_NAME } from './parser.ts';
import { streams } from './streams.ts';

async function main(args: string[]): Promise<number> {
  // Cobra's hidden completion command, which the completion scripts call; it never fails loudly.
  if (args[0] === '__complete' || args[0] === '__completeNoDesc') {
    const { complete, formatCompletion } = await import('./complete.ts');
    process.stdout.write(formatCompletion(await complete(args.slice(1))));
    return ExitCode.ok;
  }
  await createParser(args).parseAsync();
  return ExitCode.ok;
}

function report(error: unknown): number {
  const stderr = streams().stderr;
  if (error instanceof KvbError) {
    stderr.write(`error: ${error.message}\n`);
    for (const line of error.details) stderr.write(`  ${line}\n`);
    if (error instanceof UsageError) stderr.write(`See '${DISPLAY_NAME} --help'.\n`);
    return error.exitCode;
  }
  // A file system failure that no layer named a path for (a write to stdout, a stream deep in a pipeline).
  const mapped = fsErrorCode(error) ? pathError(describeFsTarget(error), error) : error;
  if (mapped instanceof KvbError) return report(mapped);
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`internal error (please report it): ${stack}\n`);
  return ExitCode.internal;
}

function describeFsTarget(error: unknown): string {
  const path = (error as { path?: unknown }).path;
  return typeof path === 'string' ? path : 'output';
}

/** Runs the command line of this process and sets its exit code. */
export async function start(): Promise<void> {
  // A closed pipe (`| head`) ends the output quietly, as other Unix tools do; any other failure (a full disk) is an
  // error, never a silent success.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.exit(report(pathError('stdout', error)));
  });
  process.exitCode = await main(hideBin(process.argv)).catch(report);
}

// Test support for the restore end-to-end tests: runs a subcommand in a child process, through the real bin once it lists the command.

import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { CLI_ENTRY, REPO_ROOT } from '../../testing/run-cli.ts';

export interface CommandRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

const COMMAND_MODULES: Record<string, { file: string; name: string }> = {
  restore: { file: 'cmd/restore.ts', name: 'restoreCommand' },
  export: { file: 'cmd/export.ts', name: 'exportCommand' },
  transform: { file: 'cmd/transform.ts', name: 'transformCommand' },
};

/**
 * The same parser settings and error mapping as cmd/kubectl-kvbackup.ts, for one command module, so the e2e tests
 * exercise the command's real flags and exit codes whether or not cmd/index.ts registers it yet.
 */
function harness(file: string, name: string): string {
  const url = (path: string) => JSON.stringify(pathToFileURL(`${REPO_ROOT}${path}`).href);
  return `
import yargs from 'yargs';
import { KvbError, UsageError } from ${url('src/errors.ts')};
import { ${name} as command } from ${url(file)};
const args = process.argv.slice(1);
try {
  await yargs(args).command(command).demandCommand(1).strict().version(false)
    .fail((message, error) => { if (message) throw new UsageError(message); throw error; }).parseAsync();
} catch (error) {
  if (error instanceof KvbError) {
    process.stderr.write('error: ' + error.message + '\\n');
    for (const line of error.details) process.stderr.write('  ' + line + '\\n');
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write('internal error: ' + (error?.stack ?? error) + '\\n');
    process.exitCode = 70;
  }
}`;
}

/** Whether the real bin lists `command` (then it is run through the bin itself). */
async function registered(command: string): Promise<boolean> {
  const { commands } = await import('../../../cmd/index.ts');
  return (commands as readonly { command?: unknown }[]).some((module) => String(module.command).split(' ')[0] === command);
}

/** Runs `kubectl-kvbackup <command> <args>` with `stdin`, collecting its output. */
export async function runCommand(command: string, args: readonly string[], stdin?: Buffer): Promise<CommandRun> {
  const module = COMMAND_MODULES[command];
  if (!module) throw new Error(`no command module for ${command}`);
  const argv = (await registered(command))
    ? [CLI_ENTRY, command, ...args]
    : ['--input-type=module', '-e', harness(module.file, module.name), command, ...args];
  const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on('error', () => {});
  child.stdin.end(stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') }));
  });
}

/** `restore <args>`. */
export function runRestoreCli(args: readonly string[], stdin?: Buffer): Promise<CommandRun> {
  return runCommand('restore', args, stdin);
}

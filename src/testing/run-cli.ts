// Test support: runs the real executable in a child process, as a user or a pipe would.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_ENTRY = fileURLToPath(new URL('../../cmd/kubectl-kvbackup.ts', import.meta.url));

/** Fails any import of the Kubernetes client: offline commands must never load it. */
const OFFLINE_HOOK = `data:text/javascript,${encodeURIComponent(
  `import { registerHooks } from 'node:module';
registerHooks({ resolve(specifier, context, next) {
  if (specifier.startsWith('@kubernetes/client-node')) throw new Error('offline command loaded @kubernetes/client-node');
  return next(specifier, context);
} });`,
)}`;

export interface CliResult {
  code: number | null;
  /** The signal that ended the process, when one did. */
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface CliOptions {
  stdin?: Buffer | string;
  cwd?: string;
  env?: Record<string, string>;
  /** Refuse to load @kubernetes/client-node (default true). */
  offline?: boolean;
}

/** A running `kubectl-kvbackup`: the process (so a test can signal it) and its outcome. */
export interface CliRun {
  child: ChildProcessWithoutNullStreams;
  done: Promise<CliResult>;
}

/** Starts `kubectl-kvbackup <args>` with Node's type stripping, feeding `stdin`. */
export function startCli(args: readonly string[], options: CliOptions = {}): CliRun {
  const nodeArgs = options.offline === false ? [] : ['--import', OFFLINE_HOOK];
  const child = spawn(process.execPath, [...nodeArgs, CLI_ENTRY, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on('error', () => {});
  child.stdin.end(options.stdin ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') }));
  });
  return { child, done };
}

/** Runs `kubectl-kvbackup <args>` to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

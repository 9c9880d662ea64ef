// Test support: runs the real executable in a child process, as a user or a pipe would.

import { spawn } from 'node:child_process';
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

/** Runs `kubectl-kvbackup <args>` with Node's type stripping, feeding `stdin`. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
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
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') }),
    );
  });
}

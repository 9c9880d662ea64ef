// Runs one command and measures it: wall time, and peak RSS (GNU time's %M, else the child's VmHWM polled).

import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface Measured {
  wallMs: number;
  /** Peak resident set size of the command (with its children when GNU time measures it), in bytes. */
  peakRssBytes: number;
  /** User + system CPU time of the command, in ms (GNU time's %U + %S; undefined without GNU time). */
  cpuMs?: number;
  stdout: string;
  stderr: string;
  /** With `timeStdout`: when the first and the last stdout bytes arrived (ms after start), and how many there were. */
  stdoutSpan?: { firstMs: number; lastMs: number; bytes: number };
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Keep stdout (default: discarded, as a benchmark's output goes to /dev/null). */
  captureStdout?: boolean;
  /** Read stdout without keeping it, timing its first and last bytes (a download streamed to stdout). */
  timeStdout?: boolean;
  /** Give up after this long (default 30 minutes): a benchmark never hangs CI. */
  timeoutMs?: number;
}

/** True when GNU time is installed; without it peak RSS comes from polling /proc (a close lower bound). */
export function hasGnuTime(): boolean {
  try {
    accessSync(GNU_TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs `argv` (no shell unless argv says so) and measures it; rejects when it exits non-zero. */
export async function measure(argv: readonly string[], options: RunOptions = {}): Promise<Measured> {
  const gnuTime = hasGnuTime();
  const dir = await mkdtemp(join(tmpdir(), 'kvb-bench-'));
  const rssFile = join(dir, 'rss');
  const command = gnuTime ? [GNU_TIME, '-f', '%M %U %S', '-o', rssFile, ...argv] : [...argv];
  try {
    const started = performance.now();
    const child = spawn(command[0] as string, command.slice(1), {
      env: options.env ?? process.env,
      stdio: ['ignore', options.captureStdout || options.timeStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    let polledKiB = 0;
    const poll = gnuTime ? undefined : setInterval(() => (polledKiB = Math.max(polledKiB, vmHwmKiB(child.pid))), 10);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let span: Measured['stdoutSpan'];
    child.stdout?.on('data', (chunk: Buffer) => {
      if (options.captureStdout) stdout.push(chunk);
      const at = performance.now() - started;
      span = { firstMs: span?.firstMs ?? at, lastMs: at, bytes: (span?.bytes ?? 0) + chunk.byteLength };
    });
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 30 * 60_000);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    }).finally(() => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
    });
    const wallMs = performance.now() - started;
    const err = Buffer.concat(stderr).toString();
    if (code !== 0) throw new Error(`${argv.join(' ')} exited with ${code}\n${err.slice(-2000)}`);
    const [peakKiB, userS, systemS] = gnuTime ? ((await readFile(rssFile, 'utf8')).trim().split('\n').pop() ?? '').split(' ').map(Number) : [polledKiB];
    const measured: Measured = { wallMs, peakRssBytes: (peakKiB ?? 0) * 1024, stdout: Buffer.concat(stdout).toString(), stderr: err };
    if (userS !== undefined && systemS !== undefined) measured.cpuMs = (userS + systemS) * 1000;
    if (options.timeStdout && span) measured.stdoutSpan = span;
    return measured;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** VmHWM of a running process in KiB; 0 once it is gone. */
function vmHwmKiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) throw new RangeError('median of nothing');
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs each command `runs` times, interleaved (A B A B …) so drifting machine load hits both alike. */
export async function measureInterleaved(commands: readonly (readonly string[])[], runs: number, options: RunOptions | readonly RunOptions[] = {}): Promise<Measured[][]> {
  const results: Measured[][] = commands.map(() => []);
  for (let run = 0; run < runs; run++) {
    for (const [i, argv] of commands.entries()) results[i]?.push(await measure(argv, Array.isArray(options) ? options[i] : (options as RunOptions)));
  }
  return results;
}

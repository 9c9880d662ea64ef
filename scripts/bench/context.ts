// What every benchmark section gets: where to put files, how many runs, how to run the CLI, where to log.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is scripts/bench/context.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BenchContext {
  /** Scratch directory for bundles and outputs; removed at the end unless kept. */
  workDir: string;
  /** Measured runs per command (the table shows medians). */
  runs: number;
  /** Small N, one run: checks that every step works, not how fast. */
  smoke: boolean;
  /** Progress lines, on stderr. */
  log(message: string): void;
  /** argv that runs the CLI under test with these arguments. */
  cli(...args: string[]): string[];
}

/** The CLI's entry point from source (run through Node's type stripping). */
export const SOURCE_ENTRY = join(REPO_ROOT, 'cmd/kubectl-kvbackup.ts');

/** argv that runs `entry` (the CLI from source or as built) with the current Node. */
export function cliAt(entry: string): (...args: string[]) => string[] {
  return (...args) => [process.execPath, entry, ...args];
}

/** argv that runs one of the repository's scripts with the current Node. */
export function script(path: string, ...args: string[]): string[] {
  return [process.execPath, join(REPO_ROOT, path), ...args];
}

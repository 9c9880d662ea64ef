// `--dry-run[=none|client|server]` as kubectl spells it: a bare `--dry-run` means `client`, with a one-line note.

import type { Argv } from 'yargs';
import { UsageError } from '../src/errors.ts';
import type { StdStreams } from '../src/io/term/streams.ts';

export const DRY_RUN_MODES = ['none', 'client', 'server'] as const;
export type DryRunMode = (typeof DRY_RUN_MODES)[number];

/** Adds `--dry-run`; `what` says what client and server mean for this command. */
export function withDryRun<T>(yargs: Argv<T>, what: string) {
  return yargs.option('dry-run', { type: 'string', description: `none|client|server (bare --dry-run: client). ${what}` });
}

/**
 * The mode `--dry-run` asks for. A bare `--dry-run` is `client`, as in kubectl, and says so on stderr. yargs gives
 * `--dry-run NAME` the value NAME where kubectl would read a bare flag and a positional: such a value is handed back
 * as `positional` (for commands that take names) or refused.
 */
export function readDryRun(value: string | undefined, streams: StdStreams, takesNames: boolean): { mode: DryRunMode; positional?: string } {
  if (value === undefined) return { mode: 'none' };
  if ((DRY_RUN_MODES as readonly string[]).includes(value)) return { mode: value as DryRunMode };
  if (value !== '' && !takesNames) throw new UsageError(`--dry-run must be none, client or server, not "${value}"`);
  streams.stderr.write('note: --dry-run without a value means --dry-run=client (as kubectl); nothing is changed\n');
  return value === '' ? { mode: 'client' } : { mode: 'client', positional: value };
}

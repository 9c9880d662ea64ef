// A bundle named by a positional argument or by -f, as `inspect` and `validate` take it.

import type { Argv } from 'yargs';
import { withBundleFilename } from './flags.ts';

export function withBundleArgument<T>(yargs: Argv<T>) {
  return withBundleFilename(yargs)
    .positional('bundle', { type: 'string', description: 'The bundle: a file, oci://HOST/REPOSITORY:TAG, or - for stdin' })
    .conflicts('bundle', 'filename')
    .check((argv) => {
      if (argv['bundle'] === undefined && argv['filename'] === undefined) throw new Error('name a bundle: <bundle> or -f <bundle|->');
      return true;
    });
}

export function bundleFilename(argv: { bundle?: string | undefined; filename?: string | undefined }): string {
  return argv.bundle === undefined ? (argv.filename as string) : positionalPath(argv.bundle);
}

/** A path given as a positional argument: yargs hands a lone `-` (stdin) over as an empty string. */
export function positionalPath(value: string): string {
  return value === '' ? '-' : value;
}

// The command-line parser shared by the executable and its completion: kubectl's flag habits, usage errors, help.

import yargs, { type Argv } from 'yargs';
import { UsageError } from '../src/errors.ts';
import { setRegistrySettings } from '../src/io/oci/settings.ts';
import { setLogSettings } from '../src/io/term/log.ts';
import { REPEATABLE_FLAGS, withVerbosity, verbosityOf } from './flags.ts';
import { commands } from './index.ts';
import { registryOptionsOf } from './registry-flags.ts';

/** The name the executable goes by on PATH. */
export const PROGRAM = 'kubectl-kvbackup';
/** The name users type, which help texts show. */
export const DISPLAY_NAME = 'kubectl kvbackup';

export function createParser(args: string[]) {
  return (
    withVerbosity(yargs(args))
      .scriptName(DISPLAY_NAME)
      .usage('$0 <command> [flags]\n\nBack up, restore and migrate KubeVirt virtual machines (a kubectl plugin; also runs as kubectl-kvbackup).')
      .command(commands as never)
      .demandCommand(1, 'name a command')
      .recommendCommands()
      .strict()
      .version(false)
      .exitProcess(false)
      .help()
      .alias('help', 'h')
      .parserConfiguration({ 'strip-aliased': true, 'strip-dashed': false })
      .middleware(refuseRepeatedValues as never, true)
      .middleware((argv: Record<string, unknown>) => {
        setLogSettings({ verbosity: verbosityOf(argv as never), progress: (argv['progress'] as 'auto' | 'always' | 'never' | undefined) ?? 'auto' });
        setRegistrySettings(registryOptionsOf(argv) ?? {});
      })
      .wrap(Math.min(110, process.stdout.columns || 110))
      // A failing handler must not print the help text; validation messages become usage errors.
      .fail((message, error) => {
        if (message) throw new UsageError(message);
        throw error;
      })
  );
}

/**
 * kubectl takes one value for a single-value flag; yargs would hand a repeated one over as an array, which no
 * handler expects. Repeatable flags are declared `array` or listed in REPEATABLE_FLAGS; switches may repeat harmlessly.
 */
function refuseRepeatedValues(argv: Record<string, unknown>, parser: Argv): void {
  const options = (parser as unknown as { getOptions(): YargsOptions }).getOptions();
  // yargs also hands every dashed flag over under its camelCase name (`namespaceMap`).
  const camel = (key: string) => key.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
  const withAliases = (keys: readonly string[]) => new Set(keys.flatMap((key) => [key, ...(options.alias[key] ?? [])]).flatMap((key) => [key, camel(key)]));
  const arrays = withAliases(options.array);
  const switches = withAliases([...options.boolean, ...options.count]);
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_' || key === '$0' || !Array.isArray(value) || arrays.has(key) || REPEATABLE_FLAGS.has(key)) continue;
    // `--wait --wait` means what `--wait` means, as in kubectl.
    if (switches.has(key)) argv[key] = value.at(-1);
    else throw new UsageError(`${key.length === 1 ? '-' : '--'}${key} was given more than once; it takes one value`);
  }
}

/** The part of yargs' option table read here (yargs' typings do not declare getOptions). */
interface YargsOptions {
  array: string[];
  boolean: string[];
  count: string[];
  alias: Record<string, string[]>;
}

#!/usr/bin/env node
// kubectl's plugin completion hook (kubectl 1.26+): `kubectl kvbackup <TAB>` runs this with the words typed so far.

import { createParser } from './parser.ts';

// yargs prints one candidate per line for --get-yargs-completions without validating the partial command line.
await createParser(['--get-yargs-completions', ...process.argv.slice(2)]).parseAsync();
// Cobra's protocol ends with `:<directive>`; 0 lets the shell fall back to file names (for -f and --output-file).
process.stdout.write(':0\n');

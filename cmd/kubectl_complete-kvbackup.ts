#!/usr/bin/env node
// kubectl's plugin completion hook (kubectl 1.26+): `kubectl kvbackup <TAB>` runs this with the words typed after the
// plugin name, the last one being completed, and reads Cobra's `__complete` answer.

import { complete, formatCompletion } from './complete.ts';

process.stdout.write(formatCompletion(await complete(process.argv.slice(2))));

#!/usr/bin/env node
// kubectl's plugin completion hook (kubectl 1.26+): `kubectl kvbackup <TAB>` runs this with the words typed after the
// plugin name, the last one being completed, and reads Cobra's `__complete` answer.

import { complete, formatCompletion } from './complete.ts';

void complete(process.argv.slice(2)).then((completion) => process.stdout.write(formatCompletion(completion)));

#!/usr/bin/env node
// The executable: refuses a Node.js too old to run it with one line, then runs the command line.

import { MINIMUM_NODE_VERSION, unsupportedNode } from './node-version.ts';

if (unsupportedNode(process.versions.node)) {
  process.stderr.write(`error: kubectl-kvbackup needs Node.js ${MINIMUM_NODE_VERSION} or newer; this is Node.js ${process.versions.node} (${process.execPath})\n`);
  process.exitCode = 1;
} else {
  // Loaded only now, so syntax or APIs a too-old Node lacks cannot fail before the line above is printed. No
  // top-level await: the single-file executable runs this as CommonJS.
  void import('./main.ts').then((main) => main.start());
}

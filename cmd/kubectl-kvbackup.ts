#!/usr/bin/env node
// The executable: refuses a Node.js too old to run it with one line, then runs the command line.

import { MINIMUM_NODE_VERSION, unsupportedNode } from './node-version.ts';

const problem = unsupportedNode(process.versions.node);
if (problem) {
  process.stderr.write(`error: kubectl-kvbackup needs Node.js ${MINIMUM_NODE_VERSION} or newer; this is Node.js ${process.versions.node} (${process.execPath})\n`);
  process.exit(1);
}
// Loaded only now, so syntax or APIs a too-old Node lacks cannot fail before the line above is printed.
await import('./main.ts');

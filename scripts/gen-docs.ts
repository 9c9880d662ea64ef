// Rewrites the README's generated tables (transform rules, edge families) from the registries.

import { readFileSync, writeFileSync } from 'node:fs';
import { regenerate } from '../src/docs/reference-tables.ts';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = regenerate(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(after === before ? 'README.md is up to date\n' : 'README.md tables regenerated\n');

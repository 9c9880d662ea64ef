// Rewrites the README's generated tables (transform rules and options, edge families) and the options schema from the registries.

import { readFileSync, writeFileSync } from 'node:fs';
import { regenerate, transformOptionsSchemaFile } from '../src/docs/reference-tables.ts';

function update(relative: string, render: (before: string) => string): void {
  const path = new URL(`../${relative}`, import.meta.url);
  const before = readFileSync(path, 'utf8');
  const after = render(before);
  if (after !== before) writeFileSync(path, after);
  process.stdout.write(after === before ? `${relative} is up to date\n` : `${relative} regenerated\n`);
}

update('README.md', regenerate);
update('schemas/transform-options.schema.json', transformOptionsSchemaFile);

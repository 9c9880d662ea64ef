import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { regenerate, transformOptionsSchemaFile } from './reference-tables.ts';
import { RULES } from '../transform/rules/index.ts';
import { EDGE_FAMILIES } from '../graph/edges/index.ts';

describe('README reference tables', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('are up to date with the registries (run npm run docs)', () => {
    assert.equal(regenerate(readme), readme);
  });

  it('checked-in schemas/transform-options.schema.json is generated from the declarations (run npm run docs)', () => {
    const file = readFileSync(new URL('../../schemas/transform-options.schema.json', import.meta.url), 'utf8');
    assert.equal(file, transformOptionsSchemaFile());
  });

  it('name every rule and every edge family', () => {
    for (const rule of RULES) assert.ok(readme.includes(`\`${rule.name}\``), rule.name);
    for (const family of EDGE_FAMILIES) assert.ok(readme.includes(`\`${family.name}\``), family.name);
  });
});

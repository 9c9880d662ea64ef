// The one schema registry: every file in schemas/ is in it under its name and $id, and every one compiles.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { SCHEMA_NAMES, SCHEMAS, validatorFor } from './schemas.ts';

const dir = new URL('../schemas/', import.meta.url);

describe('schema registry', () => {
  it('holds every schema file, each under its file name, with the $id the file declares', () => {
    const files = readdirSync(dir).filter((file) => file.endsWith('.schema.json')).sort();
    assert.deepEqual([...SCHEMA_NAMES].map((name) => `${name}.schema.json`).sort(), files);
    for (const name of SCHEMA_NAMES) {
      const file = JSON.parse(readFileSync(new URL(`${name}.schema.json`, dir), 'utf8')) as { $id: string };
      assert.equal(SCHEMAS[name].$id, file.$id);
      assert.equal(file.$id, `kvbackup/${name}.schema.json`);
    }
  });

  it('compiles every schema once, by name or by $id', () => {
    for (const name of SCHEMA_NAMES) {
      assert.equal(typeof validatorFor(name), 'function', name);
      assert.equal(validatorFor(name), validatorFor(name), `${name} compiled once`);
      assert.equal(typeof validatorFor(SCHEMAS[name].$id), 'function');
    }
  });
});

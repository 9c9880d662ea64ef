// The one schema registry: every file in schemas/ is in it under its name and $id, and every one compiles.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
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

  it('is the only Ajv: no other file of the project imports one', () => {
    const root = fileURLToPath(new URL('../', import.meta.url));
    const offenders: string[] = [];
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(path);
        } else if (entry.name.endsWith('.ts') && path !== fileURLToPath(import.meta.url)) {
          const text = readFileSync(path, 'utf8');
          if (/new Ajv\b|^import (?!type )[^;]*from 'ajv'/m.test(text) && relative(root, path) !== 'src/schemas.ts') offenders.push(relative(root, path));
        }
      }
    };
    for (const folder of ['src', 'cmd', 'scripts']) walk(join(root, folder));
    assert.deepEqual(offenders, []);
  });
});

// Meta-test: the registry, the files in this folder, the family names, tests and descriptions stay in step.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compareStrings } from '../../model/object-ref.ts';
import { EDGE_FAMILIES } from './index.ts';

const files = readdirSync(new URL('.', import.meta.url));
const familyFiles = files
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== 'index.ts')
  .map((file) => file.slice(0, -'.ts'.length))
  .sort(compareStrings);

describe('edge family registry', () => {
  it('lists exactly the family files of this folder, sorted by name', () => {
    assert.deepEqual(
      EDGE_FAMILIES.map((family) => family.name),
      familyFiles,
    );
  });

  it('names each family after its file', async () => {
    for (const name of familyFiles) {
      const module = (await import(`./${name}.ts`)) as { default: { name: string } };
      assert.equal(module.default.name, name, `${name}.ts exports a family named ${module.default.name}`);
      assert.ok(EDGE_FAMILIES.includes(module.default as never), `${name}.ts is not the registered object`);
    }
  });

  it('has a sibling test file for each family', () => {
    for (const name of familyFiles) assert.ok(files.includes(`${name}.test.ts`), `missing ${name}.test.ts`);
  });

  it('has no test file without a family', () => {
    const orphans = files.filter((file) => file.endsWith('.test.ts') && file !== 'index.test.ts' && !familyFiles.includes(file.slice(0, -'.test.ts'.length)));
    assert.deepEqual(orphans, []);
  });

  it('describes each family in one sentence', () => {
    for (const family of EDGE_FAMILIES) {
      const { description } = family;
      assert.match(description, /^[A-Z]/, `${family.name}: start the description with a capital`);
      assert.match(description, /[^.]\.$/, `${family.name}: end the description with one full stop`);
      assert.doesNotMatch(description.slice(0, -1), /[.!?](\s|$)/, `${family.name}: the description has more than one sentence`);
    }
  });

  it('reads at least one kind per family, each once', () => {
    for (const family of EDGE_FAMILIES) {
      const keys = family.fromKinds.map((kind) => `${kind.group}/${kind.kind}`);
      assert.ok(keys.length > 0, family.name);
      assert.equal(new Set(keys).size, keys.length, `${family.name} lists a kind twice`);
    }
  });
});

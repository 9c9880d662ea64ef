// Golden scenarios: testdata/graph/<scenario>/input.yaml must give expected.json, byte for byte, in any input order.
// Refresh the expected files with KVBACKUP_UPDATE_GOLDEN=1 and review the diff.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseManifests } from '../model/parse-manifests.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { buildGraph } from './build-graph.ts';

const GOLDEN_DIR = new URL('../../testdata/graph/', import.meta.url);
const update = process.env['KVBACKUP_UPDATE_GOLDEN'] === '1';

function graphJson(objects: ReturnType<typeof parseManifests>): string {
  return `${JSON.stringify(buildGraph(new ObjectIndex(objects, 'default')), null, 2)}\n`;
}

describe('golden graph scenarios', () => {
  const scenarios = readdirSync(GOLDEN_DIR).sort();

  it('has at least one scenario, each with input.yaml and expected.json', () => {
    assert.ok(scenarios.length > 0);
    for (const scenario of scenarios) {
      assert.deepEqual(readdirSync(new URL(`${scenario}/`, GOLDEN_DIR)).sort(), ['expected.json', 'input.yaml'], scenario);
    }
  });

  for (const scenario of scenarios) {
    it(scenario, () => {
      const dir = new URL(`${scenario}/`, GOLDEN_DIR);
      const objects = parseManifests(readFileSync(new URL('input.yaml', dir), 'utf8'), `${scenario}/input.yaml`);
      const actual = graphJson(objects);
      const expectedFile = new URL('expected.json', dir);
      if (update) writeFileSync(expectedFile, actual);
      assert.equal(actual, readFileSync(expectedFile, 'utf8'));
      assert.equal(graphJson([...objects].reverse()), actual, 'reversed input order');
    });
  }
});

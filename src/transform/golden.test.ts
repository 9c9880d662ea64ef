// Golden scenarios: testdata/transform/<scenario>/{input.yaml, args.json, expected.json, report.json}.
// Refresh the expected files only on purpose: UPDATE_GOLDEN=1 node --test src/transform/golden.test.ts

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ObjectIndex } from '../model/object-index.ts';
import { parseManifests } from '../model/parse-manifests.ts';
import { transform } from './engine.ts';
import type { TransformOptionsInput } from './options.ts';
import { validateReport } from './report.ts';
import { RULE_NAMES } from './rules/index.ts';

const root = new URL('../../testdata/transform/', import.meta.url);
const update = process.env['UPDATE_GOLDEN'] === '1';
const scenarios = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const FILES = ['args.json', 'expected.json', 'input.yaml', 'report.json'];

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

describe('transform golden scenarios', () => {
  it('has scenarios, each complete', () => {
    assert.ok(scenarios.length >= 4);
    for (const scenario of scenarios) {
      const files = readdirSync(new URL(`${scenario}/`, root)).sort();
      if (!update) assert.deepEqual(files, FILES, scenario);
    }
  });

  for (const scenario of scenarios) {
    it(scenario, () => {
      const file = (name: string) => new URL(`${scenario}/${name}`, root);
      const objects = parseManifests(readFileSync(file('input.yaml'), 'utf8'), `${scenario}/input.yaml`);
      const options = JSON.parse(readFileSync(file('args.json'), 'utf8')) as TransformOptionsInput;
      const result = transform(new ObjectIndex(objects, 'default'), options);
      const expected = json({ apiVersion: 'v1', kind: 'List', items: result.objects });
      const report = json(result.report);
      validateReport(JSON.parse(report));
      if (update) {
        writeFileSync(file('expected.json'), expected);
        writeFileSync(file('report.json'), report);
      }
      assert.equal(expected, readFileSync(file('expected.json'), 'utf8'), 'expected.json differs');
      assert.equal(report, readFileSync(file('report.json'), 'utf8'), 'report.json differs');
    });
  }

  it('shows every rule at work in some report', () => {
    const seen = new Set<string>();
    for (const scenario of scenarios) {
      const report = JSON.parse(readFileSync(new URL(`${scenario}/report.json`, root), 'utf8')) as {
        changes: { rule: string }[];
        dropped: { rule: string }[];
      };
      for (const entry of [...report.changes, ...report.dropped]) seen.add(entry.rule);
    }
    assert.deepEqual(RULE_NAMES.filter((name) => !seen.has(name)), []);
  });
});

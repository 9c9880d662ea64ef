// Meta-test: the registry, the files, the tests and the documented order agree.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { RULE_NAMES, RULES } from './index.ts';

const here = new URL('./', import.meta.url);
const ruleFiles = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== 'index.ts')
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();
const VERBS = ['add', 'annotate', 'copy', 'drop', 'remap', 'set', 'strip'];

/** The option cell of each rule's row in docs/transform-rules.md. */
function documentedOptions(): Map<string, string> {
  const doc = readFileSync(new URL('../../../docs/transform-rules.md', import.meta.url), 'utf8');
  return new Map([...doc.matchAll(/^\| *\d+ *\| *`([a-z0-9-]+)` *\|.*\|([^|]*)\| *$/gm)].map((match) => [match[1]!, match[2]!]));
}

/** The rule names of the table in docs/transform-rules.md, in order. */
function documentedOrder(): string[] {
  const doc = readFileSync(new URL('../../../docs/transform-rules.md', import.meta.url), 'utf8');
  return [...doc.matchAll(/^\| *\d+ *\| *`([a-z0-9-]+)` *\|/gm)].map((match) => match[1]!);
}

describe('transform rule registry', () => {
  it('lists every rule file exactly once', () => {
    assert.deepEqual([...RULE_NAMES].sort(), ruleFiles);
    assert.equal(new Set(RULE_NAMES).size, RULE_NAMES.length);
  });

  it('runs the rules in the documented order', () => {
    assert.deepEqual(documentedOrder(), RULE_NAMES);
  });

  it('runs every rule that reads status or owner references before strip-server-metadata', () => {
    const strip = RULE_NAMES.indexOf('strip-server-metadata');
    for (const name of ['drop-owned-vmis', 'drop-launcher-pods', 'annotate-cdi-populated', 'strip-populator-sources', 'copy-revision-names']) {
      assert.ok(RULE_NAMES.indexOf(name) < strip, name);
    }
  });

  for (const rule of RULES) {
    describe(rule.name, () => {
      it('is named after its file, kebab-case, verb first', () => {
        assert.ok(ruleFiles.includes(rule.name));
        assert.match(rule.name, /^[a-z]+(-[a-z0-9]+)+$/);
        assert.ok(VERBS.includes(rule.name.split('-')[0]!), `${rule.name} does not start with one of ${VERBS.join(', ')}`);
      });

      it('has a sibling test file that runs the RuleTester on it', () => {
        const test = new URL(`${rule.name}.test.ts`, here);
        assert.ok(existsSync(test));
        const source = readFileSync(test, 'utf8');
        assert.ok(source.includes(`from './${rule.name}.ts'`) && /ruleTester\.run\(\s*rule,/.test(source), `${rule.name}.test.ts`);
      });

      it('has a one-sentence description starting with its verb', () => {
        const verb = rule.name.split('-')[0]!;
        assert.ok(rule.description.startsWith(verb[0]!.toUpperCase() + verb.slice(1) + ' '), rule.description);
        assert.ok(rule.description.endsWith('.'), 'ends with a full stop');
        assert.equal(rule.description.slice(0, -1).match(/[.!?](\s|$)/), null, 'one sentence');
      });

      it('documents the options it declares (seed aside: the remap algorithm page covers it)', () => {
        const cell = documentedOptions().get(rule.name) ?? '';
        for (const key of Object.keys(rule.options ?? {})) {
          if (key !== 'seed') assert.ok(cell.includes(`\`${key}\``), `docs/transform-rules.md: ${rule.name} does not name option ${key}`);
        }
      });

      it('is frozen', () => {
        assert.ok(Object.isFrozen(rule));
      });
    });
  }
});

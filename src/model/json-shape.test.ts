import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../errors.ts';
import { scanJson } from './json-shape.ts';
import { maxValuesFor, parseManifests } from './parse-manifests.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('scanJson', () => {
  it('counts values (keys included) and depth without parsing', () => {
    assert.deepEqual(scanJson(bytes('{"a":[1,true,null,"x\\"]"],"b":{}}'), 100), { nodes: 9, depth: 2 });
    assert.deepEqual(scanJson(bytes('"é\\u0000"'), 100), { nodes: 1, depth: 0 });
  });

  it('stops at the first bound passed', () => {
    assert.match((scanJson(bytes(`[${'{},'.repeat(100)}{}]`), 50) as { over: string }).over, /more than 50 JSON values/);
    assert.match((scanJson(bytes('['.repeat(200)), 1_000_000) as { over: string }).over, /nested deeper than 128 levels/);
  });
});

describe('manifest bounds', () => {
  it('JSON manifests: deep nesting and value floods are refused naming the file', () => {
    assert.throws(() => parseManifests('['.repeat(10_000) + ']'.repeat(10_000), 'deep.json'), (error: unknown) => error instanceof InputError && /^deep\.json: over a resource bound: JSON nested deeper/.test(error.message));
    // Two characters per value: past the budget of 100,000 + a quarter of the characters once it is long enough.
    const flood = `[${'0,'.repeat(1_000_000)}0]`;
    assert.ok(1_000_000 > maxValuesFor(flood.length));
    assert.throws(() => parseManifests(flood, 'flood.json'), /over a resource bound: more than/);
  });

  it('YAML aliases: expansion is bounded by the input size, counted on the syntax tree before expanding', () => {
    // 100 aliases of a 20,000-value anchor: 2,000,000 values from about 120 KB of text.
    const anchor = `base: &big [${Array.from({ length: 20_000 }, (_, i) => i).join(',')}]`;
    const aliases = Array.from({ length: 100 }, (_, i) => `  k${i}: *big`).join('\n');
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n${anchor}\ndata:\n${aliases}\n`;
    assert.throws(() => parseManifests(bomb, 'bomb.yaml'), /^Error: bomb\.yaml: over a resource bound: aliases expand it to|bomb\.yaml: over a resource bound: aliases expand/);
    // Ordinary anchors and merge keys stay well inside the budget.
    const ok = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: &l {a: b}}\ndata: {x: "1"}\nextra: *l\n';
    assert.equal(parseManifests(ok, 'ok.yaml').length, 1);
  });

  it('YAML nested past the depth bound is refused, not a crash', () => {
    const deep = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: ${'['.repeat(300)}${']'.repeat(300)}\n`;
    assert.throws(() => parseManifests(deep, 'deep.yaml'), (error: unknown) => error instanceof InputError && /deep\.yaml: over a resource bound/.test(error.message));
  });
});

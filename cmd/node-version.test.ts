import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MINIMUM_NODE_VERSION, unsupportedNode } from './node-version.ts';

describe('the minimum Node.js version', () => {
  it('is the one package.json promises', () => {
    const engines = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }).engines.node;
    assert.equal(engines, `>=${MINIMUM_NODE_VERSION}`);
  });

  it('compares versions numerically', () => {
    assert.equal(unsupportedNode('20.20.2'), true);
    assert.equal(unsupportedNode('22.18.9'), true);
    assert.equal(unsupportedNode(MINIMUM_NODE_VERSION), false);
    assert.equal(unsupportedNode('22.100.0'), false);
    assert.equal(unsupportedNode('24.0.0'), false);
  });
});

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { runCli } from '../testing/run-cli.ts';

const BAD = fileURLToPath(new URL('../../testdata/bundles/bad/', import.meta.url));
const GOOD = fileURLToPath(new URL('../../testdata/bundles/good/', import.meta.url));

describe('graph -f <bundle>', () => {
  it('verifies the bundle as inspect does: tampered and trailer-less bundles are refused', async () => {
    for (const name of ['tampered.tar', 'missing-trailer.tar', 'extra-entry-after-trailer.tar', 'data-not-listed.tar']) {
      const graph = await runCli(['graph', '-f', `${BAD}${name}`]);
      const inspect = await runCli(['inspect', `${BAD}${name}`]);
      assert.equal(graph.code, 1, `${name}: ${graph.stderr}`);
      assert.equal(inspect.code, 1, `${name}: inspect`);
      assert.equal(graph.stdout.length, 0, `${name}: nothing printed before the check`);
      assert.equal(graph.stderr.trim().split('\n').length, 1, graph.stderr);
    }
  });

  it('still draws every good bundle', async () => {
    for (const name of readdirSync(GOOD)) {
      const result = await runCli(['graph', '-f', `${GOOD}${name}`]);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.ok(result.stdout.length > 0);
    }
  });
});

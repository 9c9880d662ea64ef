import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { canonicalHeader, encodeJson, HEADER_PATH } from '../../bundle/index.ts';
import { craftedEntries, packCrafted } from '../../testing/hostile-bundle.ts';
import { runCli } from '../../testing/run-cli.ts';
import { makeTempDir } from '../../testing/temp-dir.ts';
import { escapeControls, escapingTextWrites } from './escape.ts';

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

describe('terminal escaping', () => {
  it('writes every control character but tab and newline as a visible escape', () => {
    assert.equal(escapeControls('a\u001b[2Jb\tc\nd\u009be\u2028f\r'), 'a\\u001b[2Jb\tc\nd\\u009be\\u2028f\\u000d');
  });

  it('escapes text writes and passes bytes (bundles) unchanged', () => {
    const sink = new PassThrough();
    const chunks: unknown[] = [];
    sink.on('data', (chunk) => chunks.push(chunk));
    const stream = escapingTextWrites(sink);
    stream.write('x\u001by');
    stream.write(Buffer.from([0x1b, 0x9b]));
    assert.deepEqual(Buffer.concat(chunks as Buffer[]), Buffer.concat([Buffer.from('x\\u001by'), Buffer.from([0x1b, 0x9b])]));
  });

  it('inspect, graph and validate print a hostile bundle header without a raw control character', async () => {
    const entries = craftedEntries([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns1' } }]);
    const header = JSON.parse(entries[0]?.body.toString() ?? '{}');
    header.toolVersion = '1.0\u001b]0;pwned\u0007\u001b[2J';
    header.source = { server: 'https://x\u009b31m' };
    entries[0] = { name: HEADER_PATH, body: Buffer.from(encodeJson(canonicalHeader(header))) };
    const file = join(makeTempDir('kvb-escape-'), 'hostile.kvb');
    writeFileSync(file, await packCrafted(entries));
    for (const args of [['inspect', file], ['inspect', file, '-o', 'json'], ['validate', file], ['graph', '-f', file]]) {
      const result = await runCli(args);
      const output = result.stdout.toString() + result.stderr;
      assert.ok(!RAW_CONTROL.test(output), `${args.join(' ')}: ${JSON.stringify(output)}`);
      if (args[0] === 'inspect') assert.match(output, /\\u001b\]0;pwned/);
    }
  });
});

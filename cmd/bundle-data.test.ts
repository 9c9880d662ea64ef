// Volume data through the CLI: transform copies v1alpha2 chunks verbatim and converts v1alpha1 data, and every bad
// v1alpha2 bundle is refused by transform and validate with one line naming the entry, exit 1, nothing written.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { goodV1alpha1Fixtures, goodV1alpha2Fixtures } from '../scripts/make-bad-bundles.ts';
import { readWholeBundle } from '../src/testing/read-bundle.ts';
import { runCli } from '../src/testing/run-cli.ts';
import { makeTempDir } from '../src/testing/temp-dir.ts';

const root = new URL('../testdata/bundles/', import.meta.url);
const dir = makeTempDir('kvbackup-bundle-data-');

/** Every chunk entry of a bundle: name → stored bytes. */
async function chunkEntries(bytes: Buffer): Promise<Map<string, Buffer>> {
  const chunks = new Map<string, Buffer>();
  for await (const entry of tar.extract().end(bytes) as unknown as AsyncIterable<Readable & { header: tar.Header }>) {
    const parts: Buffer[] = [];
    for await (const part of entry) parts.push(part as Buffer);
    if (entry.header.name.startsWith('chunks/')) chunks.set(entry.header.name, Buffer.concat(parts));
  }
  return chunks;
}

describe('transform with volume data', () => {
  it('copies every chunk entry of a v1alpha2 bundle verbatim, and the volumes read back exact', async () => {
    const input = readFileSync(new URL('good/v1alpha2-with-data.kvb', root));
    const output = join(dir, 'copied.kvb');
    const result = await runCli(['transform', '-f', '-', '--seed', 'copy', '--target-namespace', 'other', '--output-file', output], { stdin: input });
    assert.equal(result.code, 0, result.stderr);
    const written = readFileSync(output);
    assert.deepEqual(await chunkEntries(written), await chunkEntries(input));
    const { data } = await readWholeBundle(Readable.from([written]));
    assert.deepEqual(data, (goodV1alpha2Fixtures()[1] as { data: unknown }).data);
    const validated = await runCli(['validate', output]);
    assert.equal(validated.code, 0, validated.stdout.toString() + validated.stderr);
  });

  for (const file of ['v1alpha2-with-data.kvb', 'v1alpha2-minimal.kvb', 'with-export.tar.gz', 'minimal.tar']) {
    it(`writes the same bytes for good/${file} read from the file (reused buffers) as from stdin`, async () => {
      const path = `testdata/bundles/good/${file}`;
      const outputs = [join(dir, `${file}.from-file.kvb`), join(dir, `${file}.from-stdin.kvb`)] as const;
      const fromFile = await runCli(['transform', '-f', path, '--seed', 'same', '--output-file', outputs[0]]);
      const fromStdin = await runCli(['transform', '-f', '-', '--seed', 'same', '--output-file', outputs[1]], { stdin: readFileSync(path) });
      assert.equal(fromFile.code, 0, fromFile.stderr);
      assert.equal(fromStdin.code, 0, fromStdin.stderr);
      assert.ok(readFileSync(outputs[0]).equals(readFileSync(outputs[1])), 'identical bundles');
    });
  }

  it('converts a v1alpha1 bundle with a data file into v1alpha2 chunks', async () => {
    const output = join(dir, 'converted.kvb');
    const result = await runCli(['transform', '-f', 'testdata/bundles/good/with-export.tar.gz', '--seed', 'convert', '--output-file', output]);
    assert.equal(result.code, 0, result.stderr);
    const { metadata, data } = await readWholeBundle(Readable.from([readFileSync(output)]));
    assert.equal(metadata.header.formatVersion, 'v1alpha2');
    assert.deepEqual(metadata.exports[0]?.data, [{ volume: 'disk1', format: 'raw', path: 'volumes/ns1/disk1/index.json.zst' }]);
    // The fixture's "gzip" data file is not gzip: it is taken as it is, as CDI's upload server would take it.
    assert.deepEqual(data, [{ path: 'volumes/ns1/disk1/index.json.zst', bytes: goodV1alpha1Fixtures()[1]?.data[0]?.bytes }]);
  });
});

describe('bad v1alpha2 bundles', () => {
  const files = readdirSync(new URL('bad/', root)).filter((file) => file.startsWith('v2-')).sort();

  it('has them', () => assert.ok(files.length >= 10, files.join(' ')));

  for (const file of files) {
    it(`validate and transform refuse bad/${file}: one line naming the entry, exit 1, nothing written`, async () => {
      const path = `testdata/bundles/bad/${file}`;
      const validated = await runCli(['validate', path]);
      assert.equal(validated.code, 1);
      assert.match(validated.stderr, /^error: .*bundle entry (chunks|volumes)\/\S+: .+\n$/);
      // transform copies chunks verbatim, checking size and framing only: a chunk whose bytes were changed in place
      // passes through it, and validate (and restore, before sending it) refuses it.
      if (file === 'v2-corrupt-chunk.kvb' || file === 'v2-tampered-chunk.kvb') return;
      const output = join(dir, `${file}.out`);
      const transformed = await runCli(['transform', '-f', path, '--seed', 'bad', '--output-file', output]);
      assert.equal(transformed.code, 1, transformed.stderr);
      assert.match(transformed.stderr, /^error: testdata\/bundles\/bad\/v2-[a-z-]+\.kvb: bundle entry (chunks|volumes)\/\S+: .+\n$/m);
      assert.equal(transformed.stderr.trim().split('\n').filter((line) => line.startsWith('error:')).length, 1);
      assert.equal(existsSync(output), false, 'no output file');
      assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith(`${file}.out`)), [], 'no temporary file left');
    });
  }
});

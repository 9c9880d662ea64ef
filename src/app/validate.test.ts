// validateBundle: good bundles pass, each bad one lists problems naming entries, graph completeness.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readdirSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { goodFixtures, goodV1alpha2Fixtures, type BundleFixture } from '../../scripts/make-bad-bundles.ts';
import { createBundleWriter } from '../io/tar/bundle-writer.ts';
import { formatValidateResult, validateBundle } from './validate.ts';

const root = new URL('../../testdata/bundles/', import.meta.url);

async function bundleBytes(fixture: BundleFixture, edit: (name: string, value: unknown) => unknown = (_, v) => v): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const writer = createBundleWriter(out);
  await writer.writeHeader(fixture.header);
  await writer.writeGraph(edit('graph', fixture.graph) as BundleFixture['graph']);
  for (const { ref, object } of fixture.objects) await writer.writeObject(ref, object);
  await writer.finish();
  return Buffer.concat(chunks);
}

describe('validateBundle', () => {
  for (const file of readdirSync(new URL('good/', root))) {
    it(`accepts good/${file}`, async () => {
      const result = await validateBundle(createReadStream(new URL(`good/${file}`, root)));
      assert.deepEqual(result, { ok: true, problems: [] });
      assert.equal(formatValidateResult(result, file), `${file}: valid\n`);
    });
  }

  for (const file of readdirSync(new URL('bad/', root))) {
    it(`lists a problem naming the entry for bad/${file}`, async () => {
      const result = await validateBundle(createReadStream(new URL(`bad/${file}`, root)));
      assert.equal(result.ok, false);
      assert.ok(result.problems.length > 0);
      for (const line of formatValidateResult(result, file).trimEnd().split('\n')) assert.match(line, new RegExp(`^${file.replace(/\./g, '\\.')}: bundle( entry [^:]+)?: `));
    });
  }

  it('lists every recoverable problem, not just the first', async () => {
    const result = await validateBundle(createReadStream(new URL('bad/schema-invalid-object.tar', root)));
    assert.deepEqual(result.problems.map((problem) => `${problem.code} ${problem.entry ?? ''}`), [
      'schema objects/core/ConfigMap/ns1/cm1.json',
      'contents-count kvbackup.json',
    ]);
  });

  it('fails a bundle whose graph misses a required object', async () => {
    const [minimal] = goodV1alpha2Fixtures() as [BundleFixture];
    const bytes = await bundleBytes(minimal, (_, graph) => {
      const g = graph as BundleFixture['graph'];
      const gone = { group: '', kind: 'Secret', namespace: 'ns1', name: 'ssh-key' };
      const vm = { group: 'kubevirt.io', kind: 'VirtualMachine', namespace: 'ns1', name: 'vm1' };
      return { nodes: [...g.nodes.slice(0, 3), { ...gone, missing: true }, ...g.nodes.slice(3)], edges: [...g.edges, { from: vm, to: gone, reason: 'spec.template.spec.accessCredentials[0].sshPublicKey.source.secret.secretName', optional: false }] };
    });
    const result = await validateBundle(Readable.from([bytes]));
    assert.equal(result.ok, false);
    assert.deepEqual(result.problems.map((problem) => problem.code), ['graph-incomplete']);
    assert.match(result.problems[0]?.message ?? '', /required object missing: Secret ns1\/ssh-key \(needed by VirtualMachine\.kubevirt\.io ns1\/vm1/);
  });
});

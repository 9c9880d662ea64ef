// inspectBundle over the committed testdata bundles.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { formatInspect, schemaErrors } from '../bundle/index.ts';
import { InputError } from '../errors.ts';
import { inspectBundle } from './inspect.ts';

const bundle = (path: string) => createReadStream(new URL(`../../testdata/bundles/${path}`, import.meta.url));

describe('inspectBundle', () => {
  it('lists header facts, objects, graph counts, exports and data of a bundle', async () => {
    const result = await inspectBundle(bundle('good/with-export.tar.gz'));
    assert.deepEqual(schemaErrors('inspect.v1alpha1', result), []);
    assert.equal(result.header.source?.kubevirtVersion, 'v1.6.0');
    assert.deepEqual(result.objects.map((object) => object.path), [
      'objects/core/ConfigMap/ns1/cm1.json',
      'objects/core/PersistentVolumeClaim/ns1/disk1.json',
      'objects/core/Secret/ns1/cloudinit.json',
      'objects/kubevirt.io/VirtualMachine/ns1/vm1.json',
    ]);
    assert.deepEqual(result.graph, { nodes: 5, edges: 4, missing: 1, missingRequired: 0, roots: 1 });
    assert.equal(result.exports[0]?.links.external?.volumes[0]?.formats[0]?.format, 'gzip');
    assert.equal(result.exports[0]?.tokenIncluded, false);
    assert.deepEqual(result.data.map((entry) => [entry.path, entry.size]), [['data/ns1/disk1/disk.img.gz', 3000]]);
    assert.deepEqual(result.totals, { entries: 9, dataBytes: 3000 });
    const text = formatInspect(result);
    assert.match(text, /^Source: {6}https:\/\/api\.example\.com:6443 \(Kubernetes v1\.33\.1, KubeVirt v1\.6\.0, CDI v1\.62\.0\)$/m);
    assert.match(text, /^ {6}volume disk1 gzip: https:\/\/kubevirt\.example\.com\/.*\/volumes\/disk1\/disk\.img\.gz$/m);
  });

  it('shows the transform that produced a bundle', async () => {
    const result = await inspectBundle(bundle('good/transformed.tar'));
    assert.deepEqual(result.header.transformed?.rules, ['drop-owned-vmis', 'strip-server-metadata']);
    assert.match(formatInspect(result), /^Transformed: rules drop-owned-vmis, strip-server-metadata, seed fixture-seed$/m);
  });

  it('fails with one line on a bad bundle', async () => {
    await assert.rejects(inspectBundle(bundle('bad/tampered.tar'), 'tampered.tar'), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, 'tampered.tar: bundle entry objects/core/ConfigMap/ns1/cm1.json: sha256 mismatch');
      return true;
    });
  });
});

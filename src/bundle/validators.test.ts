// Schemas compile and report errors as one line; header, object and JSON checks.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { SCHEMA_NAMES, schemaErrors } from './validators.ts';
import { checkHeader, checkObject, parseJsonEntry } from './check-documents.ts';
import { isProblem } from './problems.ts';

describe('bundle schemas', () => {
  it('compiles every schema the bundle uses, each with an $id naming its file', () => {
    const files = new Set(readdirSync(new URL('../../schemas/', import.meta.url)));
    for (const name of SCHEMA_NAMES) {
      assert.ok(files.has(`${name}.schema.json`), name);
      const schema = JSON.parse(readFileSync(new URL(`../../schemas/${name}.schema.json`, import.meta.url), 'utf8')) as { $id?: string };
      assert.equal(schema.$id, `kvbackup/${name}.schema.json`);
      assert.equal(Array.isArray(schemaErrors(name, {})), true);
    }
  });

  it('formats errors as one path and message each', () => {
    assert.deepEqual(schemaErrors('object-manifest.v1alpha1', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 3 } }), ['/metadata/name must be string']);
    assert.deepEqual(schemaErrors('trailer.v1alpha1', { algorithm: 'md5', entries: [], digest: '0'.repeat(64), extra: 1 }), [
      '(root) must NOT have additional properties (extra)',
      '/algorithm must be equal to constant ("sha256")',
    ]);
  });
});

describe('document checks', () => {
  const header = {
    format: 'kubectl-kvbackup',
    formatVersion: 'v1alpha1',
    toolVersion: '0.1.0',
    createdAt: '2025-01-02T03:04:05.123+01:00',
    selection: {},
    contents: { objects: 0, exports: 0, data: 0 },
  };

  it('accepts a valid header', () => {
    assert.deepEqual(checkHeader('kvbackup.json', header), { header, fatal: false });
  });

  it('names an unknown version before any schema error', () => {
    const checked = checkHeader('kvbackup.json', { formatVersion: 'v9', whatever: true });
    assert.equal(checked.fatal, true);
    assert.equal(checked.problem?.message, 'unsupported bundle version v9 (this tool reads v1alpha1 and v1alpha2)');
  });

  it('rejects a header that is not ours', () => {
    assert.equal(checkHeader('kvbackup.json', [1]).problem?.code, 'not-a-bundle');
  });

  it('reports a schema-invalid header as recoverable', () => {
    const checked = checkHeader('kvbackup.json', { ...header, createdAt: 'yesterday' });
    assert.equal(checked.fatal, false);
    assert.match(checked.problem?.message ?? '', /does not match schema header.v1alpha1: \/createdAt must match pattern/);
  });

  it('checks the transform options of a header against the options schema, in both versions', () => {
    const transformed = (options: unknown) => ({ seed: 's', options, rules: ['r'] });
    const good = { mac: 'remap', firmware: 'keep', targetNamespace: 'ns2' };
    for (const formatVersion of ['v1alpha1', 'v1alpha2']) {
      assert.equal(checkHeader('kvbackup.json', { ...header, formatVersion, transformed: transformed(good) }).problem, undefined, formatVersion);
      const bad = checkHeader('kvbackup.json', { ...header, formatVersion, transformed: transformed({ ...good, mac: 'scramble' }) });
      assert.equal(bad.fatal, false);
      assert.match(bad.problem?.message ?? '', /\/mac must be equal to one of the allowed values/, formatVersion);
    }
  });

  it('checks that an object sits at its own path', () => {
    const entry = { section: 'object' as const, path: 'objects/core/Secret/ns1/s1.json', ref: { group: '', kind: 'Secret', namespace: 'ns1', name: 's1' } };
    assert.equal(checkObject(entry, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', namespace: 'ns1' } }), undefined);
    assert.match(checkObject(entry, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' } })?.message ?? '', /holds Secret s1, not Secret ns1\/s1/, 'the path never supplies a namespace');
    assert.match(checkObject(entry, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2', namespace: 'ns1' } })?.message ?? '', /holds Secret ns1\/s2, not Secret ns1\/s1/);
    assert.match(checkObject(entry, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's1', namespace: 'ns1' } })?.message ?? '', /holds ConfigMap/);
    assert.equal(checkObject(entry, { kind: 'Secret', metadata: { name: 's1' } })?.code, 'schema');
  });

  it('rejects bytes that are not UTF-8 JSON', () => {
    const notUtf8 = parseJsonEntry('x.json', new Uint8Array([0x7b, 0xff, 0x7d]));
    assert.ok(isProblem(notUtf8) && /not UTF-8/.test(notUtf8.message));
    const notJson = parseJsonEntry('x.json', new TextEncoder().encode('{"a":'));
    assert.ok(isProblem(notJson) && /invalid JSON/.test(notJson.message));
    assert.deepEqual(parseJsonEntry('x.json', new TextEncoder().encode('{"a":1}')), { value: { a: 1 } });
  });
});

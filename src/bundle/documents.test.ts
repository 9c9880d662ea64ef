// Header and export record key order, token dropping, deep key sorting.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalExportRecord, canonicalHeader, sortKeysDeep, type BundleHeader, type ExportRecord } from './documents.ts';
import { encodeJson } from './json.ts';

describe('canonical documents', () => {
  it('lays header keys out in the documented order whatever order they came in', () => {
    const header = {
      contents: { data: 0, exports: 0, objects: 1 },
      transformed: { rules: ['r'], options: { b: 1, a: { d: 2, c: 3 } }, seed: 's' },
      selection: { selector: 'app=x', namespaces: ['ns1'] },
      source: { cdiVersion: 'c', server: 's' },
      createdAt: '2025-01-01T00:00:00Z',
      toolVersion: '0.1.0',
      formatVersion: 'v1alpha1',
      format: 'kubectl-kvbackup',
    } as unknown as BundleHeader; // options of any shape: only the key order is under test
    assert.equal(
      new TextDecoder().decode(encodeJson(canonicalHeader(header))),
      '{"format":"kubectl-kvbackup","formatVersion":"v1alpha1","toolVersion":"0.1.0","createdAt":"2025-01-01T00:00:00Z",' +
        '"source":{"server":"s","cdiVersion":"c"},"selection":{"namespaces":["ns1"],"selector":"app=x"},' +
        '"transformed":{"seed":"s","options":{"a":{"c":3,"d":2},"b":1},"rules":["r"]},"contents":{"objects":1,"exports":0,"data":0}}\n',
    );
  });

  const record: ExportRecord = {
    data: [{ size: 1, path: 'data/ns1/d/disk.img', format: 'raw', volume: 'd' }],
    token: 'secret-token',
    tokenSecretRef: { name: 't', namespace: 'ns1' },
    links: { internal: { manifests: [{ url: 'u', type: 'all' }], volumes: [{ formats: [{ url: 'v', format: 'raw' }], name: 'd' }], cert: 'pem' } },
    phase: 'Ready',
    exportName: 'e',
    vmName: 'vm',
    namespace: 'ns1',
  };

  it('lays export record keys out in order and drops the token unless asked', () => {
    const text = new TextDecoder().decode(encodeJson(canonicalExportRecord(record, false)));
    assert.equal(
      text,
      '{"namespace":"ns1","vmName":"vm","exportName":"e","phase":"Ready","links":{"internal":{"cert":"pem","volumes":[{"name":"d","formats":[{"format":"raw","url":"v"}]}],' +
        '"manifests":[{"type":"all","url":"u"}]}},"tokenSecretRef":{"namespace":"ns1","name":"t"},"data":[{"volume":"d","format":"raw","path":"data/ns1/d/disk.img","size":1}]}\n',
    );
    assert.doesNotMatch(text, /secret-token/);
    assert.equal(canonicalExportRecord(record, true).token, 'secret-token');
  });

  it('sorts keys at every depth without touching arrays', () => {
    assert.deepEqual(JSON.stringify(sortKeysDeep({ b: [{ z: 1, y: 2 }, 3], a: null })), '{"a":null,"b":[{"y":2,"z":1},3]}');
  });
});

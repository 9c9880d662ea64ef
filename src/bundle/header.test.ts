import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExportRecord } from './documents.ts';
import { bundleHeader, exportSelection, headerTime } from './header.ts';
import { TOOL_VERSION } from '../version.ts';

const record = (data: number): ExportRecord => ({
  namespace: 'ns',
  vmName: 'vm',
  exportName: 'e',
  phase: 'Ready',
  links: {},
  data: Array.from({ length: data }, (_, i) => ({ volume: `v${i}`, format: 'raw', path: `volumes/ns/v${i}/index.json.zst` })),
});

describe('bundleHeader', () => {
  it('counts objects, exports and their data items, and stamps the format and tool version', () => {
    const header = bundleHeader({ createdAt: '2026-01-02T03:04:05Z', selection: { namespaces: ['ns'] }, objects: 7, exports: [record(2), record(0), record(1)] });
    assert.deepEqual(header, {
      format: 'kubectl-kvbackup',
      formatVersion: 'v1alpha2',
      toolVersion: TOOL_VERSION,
      createdAt: '2026-01-02T03:04:05Z',
      selection: { namespaces: ['ns'] },
      contents: { objects: 7, exports: 3, data: 3 },
    });
  });

  it('carries the source and the transform only when given', () => {
    const header = bundleHeader({
      createdAt: '1970-01-01T00:00:00Z',
      source: { server: 'https://x' },
      selection: {},
      transformed: { seed: 's', options: { mac: 'remap', firmware: 'remap' }, rules: ['a'] },
      objects: 0,
      exports: [],
    });
    assert.deepEqual(header.source, { server: 'https://x' });
    assert.deepEqual(header.transformed, { seed: 's', options: { mac: 'remap', firmware: 'remap' }, rules: ['a'] });
    assert.equal('source' in bundleHeader({ createdAt: 'x', selection: {}, objects: 0, exports: [] }), false);
  });
});

describe('exportSelection', () => {
  it('records the namespaces, or all of them, the names sorted and the selector', () => {
    assert.deepEqual(exportSelection({ namespaces: ['a'], names: ['b', 'a'], selector: undefined }), { namespaces: ['a'], names: ['a', 'b'] });
    assert.deepEqual(exportSelection({ namespaces: undefined, names: [], selector: 'app=x' }), { allNamespaces: true, selector: 'app=x' });
  });
});

describe('headerTime', () => {
  it('drops the milliseconds', () => assert.equal(headerTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), '2026-01-02T03:04:05Z'));
});

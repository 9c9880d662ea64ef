// Data entries against the export records that list them.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataReferences } from './data-references.ts';
import type { ExportRecord } from './documents.ts';

function record(vmName: string, data: ExportRecord['data']): ExportRecord {
  return { namespace: 'ns1', vmName, exportName: `e-${vmName}`, phase: 'Ready', links: {}, data };
}

describe('DataReferences', () => {
  it('accepts data that export records list, with the listed size', () => {
    const refs = new DataReferences('v1alpha1');
    assert.deepEqual(refs.declare(record('vm', [{ volume: 'd', format: 'gzip', path: 'data/ns1/d/disk.img.gz', size: 5 }])), []);
    assert.equal(refs.declaredSize('data/ns1/d/disk.img.gz'), 5);
    assert.equal(refs.written('data/ns1/d/disk.img.gz', 5), undefined);
    assert.deepEqual(refs.unwritten(), []);
  });

  it('reports data no record lists, sizes that differ, and listed data that never came', () => {
    const refs = new DataReferences('v1alpha1');
    refs.declare(record('vm', [
      { volume: 'd', format: 'raw', path: 'data/ns1/d/disk.img', size: 5 },
      { volume: 'e', format: 'raw', path: 'data/ns1/e/disk.img', size: 1, sha256: 'a'.repeat(64) },
    ]));
    assert.equal(refs.written('data/ns1/x/disk.img', 1)?.code, 'data-not-listed');
    assert.match(refs.written('data/ns1/d/disk.img', 6)?.message ?? '', /size 6 differs from 5 in exports\/ns1\/vm.json/);
    assert.equal(refs.digest('data/ns1/e/disk.img', 'b'.repeat(64))?.code, 'sha256-mismatch');
    assert.equal(refs.digest('data/ns1/e/disk.img', 'a'.repeat(64)), undefined);
    assert.deepEqual(refs.unwritten().map((p) => `${p.entry}: ${p.message}`), ['exports/ns1/vm.json: lists data data/ns1/e/disk.img that the bundle does not hold']);
  });

  it('rejects a data path that does not match its volume and format, and data listed twice', () => {
    const refs = new DataReferences('v1alpha1');
    assert.equal(refs.declare(record('vm', [{ volume: 'd', format: 'gzip', path: 'data/ns1/d/disk.img', size: 1 }]))[0]?.code, 'data-path');
    refs.declare(record('a', [{ volume: 'd', format: 'raw', path: 'data/ns1/d/disk.img', size: 1 }]));
    assert.equal(refs.declare(record('b', [{ volume: 'd', format: 'raw', path: 'data/ns1/d/disk.img', size: 1 }]))[0]?.code, 'data-duplicate');
  });
});

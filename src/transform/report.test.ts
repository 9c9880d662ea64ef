// Tests for the report: its schema accepts real reports and refuses malformed ones; the MAC map it yields.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../errors.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { transform } from './engine.ts';
import { validateMacMap } from './mac-map.ts';
import { macMapOf, validateReport, type TransformReport } from './report.ts';
import { domainSpec, dv, ownedBy, pod, pvc, vm, vmi } from './test-fixtures.ts';

function sampleReport(): TransformReport {
  const spec = domainSpec([{ name: 'a', macAddress: '52:54:00:00:00:01' }, { name: 'b', macAddress: '52-54-00-00-00-01' }], { serial: 'S1' });
  const objects = [
    vm('vm1', { running: true, template: { spec } }, { uid: 'u' }, { status: { ready: true } }),
    vmi('vm1', spec, { ownerReferences: ownedBy('kubevirt.io/v1', 'VirtualMachine', 'vm1') }),
    vmi('lone', domainSpec([], { uuid: 'bad' })),
    pod('virt-launcher-vm1', { labels: { 'kubevirt.io': 'virt-launcher' } }),
    pvc('d', {}, { ownerReferences: ownedBy('cdi.kubevirt.io/v1beta1', 'DataVolume', 'd') }),
    dv('e', {}, {}, { status: { phase: 'Succeeded' } }),
  ];
  return transform(ObjectIndex.of(objects), { seed: 'report', runStrategy: 'Halted', namespaceMap: { ns1: 'ns2' }, macMap: { '52:54:00:00:00:09': '02:00:00:00:00:09' } }).report;
}

describe('transform report', () => {
  it('validates a real report with changes, drops and warnings', () => {
    const report = JSON.parse(JSON.stringify(sampleReport())) as TransformReport;
    assert.ok(report.changes.length > 0 && report.dropped.length > 0 && report.warnings.length > 0);
    assert.equal(validateReport(report), report);
  });

  const corrupt: [string, (report: Record<string, unknown>) => void][] = [
    ['another kind', (r) => (r['kind'] = 'Report')],
    ['no seed', (r) => delete r['seed']],
    ['an unknown option', (r) => ((r['options'] as Record<string, unknown>)['colour'] = 'red')],
    ['a path that is not a pointer', (r) => (((r['changes'] as Record<string, unknown>[])[0]!)['path'] = 'spec.x')],
    ['a replace without old', (r) => {
      const change = (r['changes'] as Record<string, unknown>[]).find((c) => c['op'] === 'replace')!;
      delete change['old'];
    }],
    ['an add with old', (r) => {
      const change = (r['changes'] as Record<string, unknown>[]).find((c) => c['op'] === 'add')!;
      change['old'] = 1;
    }],
    ['an object without name', (r) => delete ((r['dropped'] as Record<string, Record<string, unknown>>[])[0]!['object']!)['name']],
  ];
  for (const [name, damage] of corrupt) {
    it(`refuses a report with ${name}`, () => {
      const report = JSON.parse(JSON.stringify(sampleReport())) as Record<string, unknown>;
      damage(report);
      assert.throws(() => validateReport(report, 'r.json'), (error: Error) => error instanceof InputError && error.message === 'r.json: not a valid transform report');
    });
  }

  it('yields the MAC pairs as a valid MAC map', () => {
    const report = sampleReport();
    const map = macMapOf(report);
    assert.deepEqual(Object.keys(map), ['52-54-00-00-00-01', '52:54:00:00:00:01']);
    assert.equal(map['52-54-00-00-00-01'], map['52:54:00:00:00:01']);
    validateMacMap(map, 'from report');
  });
});

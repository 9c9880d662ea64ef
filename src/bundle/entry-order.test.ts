// The entry order of each version, as writer and reader enforce it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EntryOrder } from './entry-order.ts';
import { isProblem } from './problems.ts';

function run(names: string[], maxEntries?: number): { accepted: string[]; problem?: { code: string; entry?: string; message: string } } {
  const order = new EntryOrder(maxEntries, 'v1alpha1');
  const accepted: string[] = [];
  for (const name of names) {
    const result = order.next(name);
    if (isProblem(result)) return { accepted, problem: result };
    accepted.push(result.path);
  }
  const end = order.endProblem();
  return end ? { accepted, problem: end } : { accepted };
}

const start = ['kvbackup.json', 'graph.json'];

describe('EntryOrder', () => {
  it('accepts the full layout in order', () => {
    const names = [
      ...start,
      'objects/core/ConfigMap/ns1/a.json',
      'objects/core/Secret/ns1/a.json',
      'objects/kubevirt.io/VirtualMachine/ns1/vm1.json',
      'exports/ns1/vm1.json',
      'exports/ns2/vm0.json',
      'data/ns2/disk/disk.img.gz',
      'data/ns1/disk/disk.img',
      'trailer.json',
    ];
    assert.deepEqual(run(names), { accepted: names });
  });

  it('accepts a bundle with no objects, exports or data', () => {
    assert.deepEqual(run([...start, 'trailer.json']).problem, undefined);
  });

  const failures: [string, string[], string, RegExp][] = [
    ['missing header', ['graph.json', 'trailer.json'], 'missing-header', /expected the header kvbackup.json first/],
    ['missing graph', ['kvbackup.json', 'objects/core/Secret/ns1/a.json'], 'missing-graph', /graph.json right after the header/],
    ['objects out of order', [...start, 'objects/core/Secret/ns1/b.json', 'objects/core/Secret/ns1/a.json'], 'out-of-order', /sorted by group, kind, namespace, name/],
    ['the core group sorts first', [...start, 'objects/apps/ControllerRevision/ns1/r.json', 'objects/core/Secret/ns1/a.json'], 'out-of-order', /sorted/],
    ['exports out of order', [...start, 'exports/ns2/vm.json', 'exports/ns1/vm.json'], 'out-of-order', /sorted by namespace, VM name/],
    ['an object after an export', [...start, 'exports/ns1/vm.json', 'objects/core/Secret/ns1/a.json'], 'out-of-order', /objects come before export records/],
    ['an export after data', [...start, 'data/ns1/d/disk.img', 'exports/ns1/vm.json'], 'out-of-order', /export records come before data entries/],
    ['a duplicate', [...start, 'objects/core/Secret/ns1/a.json', 'objects/core/Secret/ns1/a.json'], 'duplicate-entry', /duplicate entry/],
    ['a duplicate header', [...start, 'kvbackup.json'], 'duplicate-entry', /duplicate/],
    ['an entry after the trailer', [...start, 'trailer.json', 'objects/core/Secret/ns1/a.json'], 'after-trailer', /after the trailer/],
    ['no trailer', [...start, 'objects/core/Secret/ns1/a.json'], 'missing-trailer', /no trailer/],
    ['nothing at all', [], 'missing-header', /no header/],
    ['an unknown entry', [...start, 'README.md'], 'unknown-entry', /unknown entry/],
    ['an unsafe entry', [...start, '../x.json'], 'unsafe-path', /"\.\."/],
  ];
  for (const [name, names, code, message] of failures) {
    it(`rejects ${name}`, () => {
      const { problem } = run(names);
      assert.equal(problem?.code, code);
      assert.match(problem?.message ?? '', message);
    });
  }

  it('bounds the number of entries', () => {
    const { problem } = run([...start, 'objects/core/Secret/ns1/a.json', 'objects/core/Secret/ns1/b.json'], 3);
    assert.equal(problem?.code, 'too-many-entries');
    assert.equal(problem?.entry, 'objects/core/Secret/ns1/b.json');
  });
});

describe('EntryOrder (v1alpha2)', () => {
  const sha = (c: string) => `chunks/sha256/${c.repeat(64)}`;
  const run2 = (names: string[], maxEntries?: number) => {
    const order = new EntryOrder(maxEntries, 'v1alpha2');
    for (const name of names) {
      const result = order.next(name);
      if (isProblem(result)) return result;
    }
    return order.endProblem();
  };

  it('accepts chunks and indexes interleaved after the export records, chunks not counted as entries', () => {
    const names = ['kvbackup.json', 'graph.json.zst', 'objects/core/ConfigMap/ns1/a.json.zst', 'exports/ns1/vm1.json.zst', sha('a'), sha('b'), 'volumes/ns1/d1/index.json.zst', sha('c'), 'volumes/ns1/d2/index.json.zst', 'trailer.json'];
    assert.equal(run2(names, 7), undefined);
  });

  it('rejects a chunk before the export records, and v1alpha1 names', () => {
    assert.match(run2(['kvbackup.json', 'graph.json.zst', sha('a'), 'exports/ns1/vm1.json.zst'])?.message ?? '', /out of order \(export records come before data entries\)/);
    assert.equal(run2(['kvbackup.json', 'graph.json'])?.code, 'unknown-entry');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary, summarise, type ObjectResult } from './summary.ts';

const ref = (kind: string, name: string, group = '') => ({ group, kind, namespace: 'ns', name });

describe('summarise', () => {
  const results: ObjectResult[] = [
    { ref: ref('VirtualMachine', 'b', 'kubevirt.io'), outcome: 'created' },
    { ref: ref('Secret', 's'), outcome: 'unchanged' },
    { ref: ref('VirtualMachine', 'a', 'kubevirt.io'), outcome: 'failed', message: 'forbidden' },
    { ref: ref('Secret', 't'), outcome: 'replaced' },
    { ref: ref('ConfigMap', 'c'), outcome: 'skipped' },
  ];

  it('counts each outcome per kind and in total, sorted by kind', () => {
    const summary = summarise(results, 'none');
    assert.deepEqual(summary.kinds.map((k) => [k.kind, k.created, k.unchanged, k.skipped, k.replaced, k.failed]), [
      ['ConfigMap', 0, 0, 1, 0, 0],
      ['Secret', 0, 1, 0, 1, 0],
      ['VirtualMachine', 1, 0, 0, 0, 1],
    ]);
    assert.deepEqual(summary.totals, { created: 1, unchanged: 1, skipped: 1, replaced: 1, failed: 1 });
    assert.deepEqual(summary.objects.map((o) => o.ref.name), ['c', 's', 't', 'a', 'b']);
  });

  it('formats a table with the totals and names each failure', () => {
    const lines = formatSummary(summarise(results, 'server'));
    assert.match(lines[0] ?? '', /dry run: server/);
    assert.match(lines[1] ?? '', /^KIND\s+CREATED\s+UNCHANGED\s+SKIPPED\s+REPLACED\s+FAILED$/);
    assert.match(lines.find((line) => line.startsWith('total')) ?? '', /^total\s+1\s+1\s+1\s+1\s+1$/);
    assert.ok(lines.includes('failed: VirtualMachine.kubevirt.io ns/a: forbidden'));
  });
});

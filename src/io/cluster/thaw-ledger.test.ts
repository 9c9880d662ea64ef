import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VmiName } from './freeze.ts';
import { ThawLedger } from './thaw-ledger.ts';

describe('ThawLedger', () => {
  it('thaws every guest recorded, once, even when thawAll is called concurrently', async () => {
    const thawed: string[] = [];
    const ledger = new ThawLedger(async (vmi) => void thawed.push(`${vmi.namespace}/${vmi.name}`));
    ledger.recordFreezing({ namespace: 'ns1', name: 'b' });
    ledger.recordFreezing({ namespace: 'ns1', name: 'a' });
    const [first, second] = await Promise.all([ledger.thawAll(), ledger.thawAll()]);
    assert.equal(first, second);
    assert.deepEqual(thawed.sort(), ['ns1/a', 'ns1/b']);
    assert.deepEqual(first.map((o) => o.vmi.name), ['a', 'b']);
    assert.deepEqual(ledger.frozen, []);
    await ledger.thawAll();
    assert.equal(thawed.length, 2);
  });

  it('reports a failed thaw without rejecting, and still thaws the others', async () => {
    const thawed: VmiName[] = [];
    const ledger = new ThawLedger(async (vmi) => {
      if (vmi.name === 'bad') throw new Error('503 gave up');
      thawed.push(vmi);
    });
    ledger.recordFreezing({ namespace: 'ns1', name: 'bad' });
    ledger.recordFreezing({ namespace: 'ns1', name: 'good' });
    const outcomes = await ledger.thawAll();
    assert.deepEqual(outcomes, [{ vmi: { namespace: 'ns1', name: 'bad' }, error: '503 gave up' }, { vmi: { namespace: 'ns1', name: 'good' } }]);
    assert.deepEqual(thawed, [{ namespace: 'ns1', name: 'good' }]);
  });

  it('refuses a freeze once thawing started, so no guest can be frozen after the final thaw', async () => {
    const ledger = new ThawLedger(async () => {});
    void ledger.thawAll();
    assert.throws(() => ledger.recordFreezing({ namespace: 'ns1', name: 'late' }), /already thawing/);
  });

  it('counts a guest as frozen before its freeze request returns', () => {
    const ledger = new ThawLedger(async () => {});
    ledger.recordFreezing({ namespace: 'ns1', name: 'vm' });
    assert.deepEqual(ledger.frozen, [{ namespace: 'ns1', name: 'vm' }]);
  });
});

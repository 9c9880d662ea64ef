import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CleanupStack, type CleanupReport } from './cleanup-stack.ts';

function recorder(keep = false): CleanupReport & { log: string[] } {
  const log: string[] = [];
  return { keep, log, kept: (what) => log.push(`kept ${what}`), undone: (what) => log.push(`undone ${what}`), failed: (what, error) => log.push(`failed ${what}: ${(error as Error).message}`) };
}

describe('CleanupStack', () => {
  it('undoes newest first, goes on past a failure, and is empty afterwards', async () => {
    const stack = new CleanupStack();
    const ran: string[] = [];
    stack.push('snapshot', async () => void ran.push('snapshot'));
    stack.push('export', async () => {
      ran.push('export');
      throw new Error('gone');
    });
    stack.push('secret', async () => void ran.push('secret'));
    const report = recorder();
    await stack.unwind(report);
    assert.deepEqual(ran, ['secret', 'export', 'snapshot']);
    assert.deepEqual(report.log, ['undone secret', 'failed export: gone', 'undone snapshot']);
    await stack.unwind(report);
    assert.equal(ran.length, 3, 'a second unwind runs nothing again');
  });

  it('with keep, reports every step as kept and runs none', async () => {
    const stack = new CleanupStack();
    stack.push('a', async () => assert.fail('ran'));
    stack.push('b', async () => assert.fail('ran'));
    const report = recorder(true);
    await stack.unwind(report);
    assert.deepEqual(report.log, ['kept b', 'kept a']);
  });

  it('release hands the steps back without running them', async () => {
    const stack = new CleanupStack();
    stack.push('a', async () => assert.fail('ran'));
    stack.push('b', async () => assert.fail('ran'));
    assert.deepEqual(stack.release(), ['a', 'b']);
    const report = recorder();
    await stack.unwind(report);
    assert.deepEqual(report.log, []);
  });
});

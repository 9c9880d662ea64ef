import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { InterruptedError } from '../errors.ts';
import { installInterrupt } from './interrupt.ts';

function fakeProcess() {
  const emitter = new EventEmitter();
  const killed: string[] = [];
  return {
    emitter,
    killed,
    target: { pid: 42, on: emitter.on.bind(emitter), off: emitter.off.bind(emitter), kill: (_pid: number, signal: NodeJS.Signals) => killed.push(signal) },
  };
}

describe('installInterrupt', () => {
  it('aborts on the first signal, reports later ones, and re-raises the first on finish', () => {
    const { emitter, killed, target } = fakeProcess();
    const seen: string[] = [];
    const interrupt = installInterrupt((signal, first) => seen.push(`${signal}:${first}`), target);
    assert.equal(interrupt.signal.aborted, false);
    emitter.emit('SIGINT');
    emitter.emit('SIGTERM');
    assert.equal(interrupt.signal.aborted, true);
    assert.equal(interrupt.received, 'SIGINT');
    assert.deepEqual(seen, ['SIGINT:true', 'SIGTERM:false']);
    assert.deepEqual(killed, []);
    interrupt.finish();
    assert.deepEqual(killed, ['SIGINT']);
    assert.equal(emitter.listenerCount('SIGINT'), 0);
    assert.equal(emitter.listenerCount('SIGTERM'), 0);
  });

  it('finishes quietly without a signal, and abort() only aborts', () => {
    const { emitter, killed, target } = fakeProcess();
    const interrupt = installInterrupt(() => {}, target);
    interrupt.abort(new Error('timed out'));
    assert.equal(interrupt.signal.aborted, true);
    interrupt.finish();
    assert.deepEqual(killed, []);
    assert.equal(emitter.listenerCount('SIGHUP'), 0);
  });
});

describe('the abort reason of a signal', () => {
  it('is an InterruptedError whose exit code is the signal death status', () => {
    const { emitter, target } = fakeProcess();
    const interrupt = installInterrupt(() => {}, target);
    emitter.emit('SIGTERM');
    const reason: unknown = interrupt.signal.reason;
    assert.ok(reason instanceof InterruptedError);
    assert.equal(reason.signal, 'SIGTERM');
    assert.equal(reason.exitCode, 143);
    interrupt.finish();
  });
});

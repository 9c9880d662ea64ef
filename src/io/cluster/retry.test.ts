import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterError, InterruptedError } from '../../errors.ts';
import { DEFAULT_RETRY_POLICY, isAmbiguous, isTransient, mayRetry, parseRetryAfter, pause, retryDelay } from './retry.ts';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300, maxRetryAfterMs: 2_000 };

describe('retry policy', () => {
  it('retries 429, 500, 502, 503, 504 and connection resets, nothing else', () => {
    for (const status of [429, 500, 502, 503, 504]) assert.equal(isTransient({ type: 'status', status }), true, String(status));
    for (const status of [400, 401, 403, 404, 409, 410, 422, 501]) assert.equal(isTransient({ type: 'status', status }), false, String(status));
    assert.equal(isTransient({ type: 'network', code: 'ECONNRESET' }), true);
    assert.equal(isTransient({ type: 'network', code: 'ENOTFOUND' }), false);
    assert.equal(isTransient({ type: 'network', code: undefined }), false);
  });

  it('backs off exponentially below a cap, with full jitter', () => {
    const top = () => 0.999999;
    assert.equal(retryDelay({ type: 'status', status: 503 }, 1, policy, top), 99);
    assert.equal(retryDelay({ type: 'status', status: 503 }, 2, policy, top), 199);
    assert.equal(retryDelay({ type: 'status', status: 503 }, 3, policy, top), 299);
    assert.equal(retryDelay({ type: 'status', status: 503 }, 1, policy, () => 0), 0);
  });

  it('stops after maxAttempts and on permanent failures', () => {
    assert.equal(retryDelay({ type: 'status', status: 503 }, 4, policy), undefined);
    assert.equal(retryDelay({ type: 'status', status: 403 }, 1, policy), undefined);
    assert.equal(retryDelay({ type: 'network', code: 'ECONNRESET' }, DEFAULT_RETRY_POLICY.maxAttempts), undefined);
  });

  it('honours Retry-After in seconds and as a date, capped', () => {
    assert.equal(retryDelay({ type: 'status', status: 429, retryAfter: '1' }, 1, policy), 1_000);
    assert.equal(retryDelay({ type: 'status', status: 429, retryAfter: '120' }, 1, policy), 2_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryDelay({ type: 'status', status: 503, retryAfter: 'Thu, 01 Jan 2026 00:00:01 GMT' }, 1, policy, Math.random, () => now), 1_000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(retryDelay({ type: 'status', status: 429, retryAfter: 'soon' }, 1, policy, () => 0), 0);
  });
});

describe('which requests may be sent again', () => {
  it('repeats idempotent requests after any transient failure', () => {
    for (const failure of [{ type: 'status', status: 500 }, { type: 'network', code: 'ECONNRESET' }, { type: 'status', status: 429 }] as const) assert.equal(mayRetry(failure, 'idempotent'), true);
  });

  it('repeats other requests only when they surely did not happen', () => {
    assert.equal(mayRetry({ type: 'status', status: 500 }, 'once-only'), false);
    assert.equal(mayRetry({ type: 'network', code: 'ECONNRESET' }, 'once-only'), false);
    assert.equal(mayRetry({ type: 'status', status: 429 }, 'once-only'), true);
    assert.equal(mayRetry({ type: 'status', status: 503 }, 'once-only'), true);
    assert.equal(mayRetry({ type: 'network', code: 'ECONNREFUSED' }, 'once-only'), true);
  });

  it('repeats a named create after an ambiguous failure (its own 409 is resolved by reading it back)', () => {
    assert.equal(mayRetry({ type: 'status', status: 502 }, 'create'), true);
    assert.equal(isAmbiguous({ type: 'status', status: 502 }), true);
    assert.equal(isAmbiguous({ type: 'status', status: 429 }), false);
    assert.equal(mayRetry({ type: 'status', status: 400 }, 'create'), false);
  });
});

describe('pause', () => {
  it('ends an aborted wait with the signal\'s own reason, not an AbortError', async () => {
    for (const reason of [new InterruptedError('SIGINT'), new ClusterError('export timed out after 1s (--timeout)')]) {
      const controller = new AbortController();
      const waiting = pause(60_000, controller.signal);
      controller.abort(reason);
      await assert.rejects(waiting, (error: unknown) => error === reason);
    }
  });

  it('waits without a signal', async () => {
    await pause(1);
  });
});

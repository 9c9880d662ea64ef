// When a failed API request is worth repeating, and how long to wait first: bounded, jittered exponential backoff.

import { setTimeout as sleep } from 'node:timers/promises';

/** How a failed attempt is classified. */
export type Failure =
  | { type: 'status'; status: number; retryAfter?: string | undefined }
  | { type: 'network'; code: string | undefined };

/** Bounds of the retry loop. */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt; doubled for each further one. */
  baseDelayMs: number;
  /** No computed delay exceeds this. */
  maxDelayMs: number;
  /** A server's Retry-After above this is cut down to it. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
};

// Connection-level errors that say nothing about the request itself: the same request may well succeed next time.
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** 429 and the 5xx statuses that mean "try later"; 501 (not implemented) and other statuses are permanent. */
export function isTransient(failure: Failure): boolean {
  if (failure.type === 'network') return failure.code !== undefined && TRANSIENT_NETWORK_CODES.has(failure.code);
  return failure.status === 429 || failure.status === 500 || failure.status === 502 || failure.status === 503 || failure.status === 504;
}

/**
 * A failure after which the server may still have carried the request out: a 500/502/504 or a connection lost after
 * it was sent. Only 429, 503 and connections that never got through say for certain that nothing happened.
 */
export function isAmbiguous(failure: Failure): boolean {
  if (failure.type === 'status') return failure.status !== 429 && failure.status !== 503;
  return failure.code !== 'ECONNREFUSED' && failure.code !== 'EAI_AGAIN';
}

/**
 * How a request may be repeated: `idempotent` ones (GET, PUT, DELETE) after any transient failure; a `create` of a
 * named object also after an ambiguous one, because its own earlier success shows as a 409 that the client then
 * resolves by reading the object back; anything else (PATCH, unnamed POST) only when it surely did not happen.
 */
export type RetryMode = 'idempotent' | 'create' | 'once-only';

/** Whether a failed attempt may be sent again under `mode` (the attempt bound aside). */
export function mayRetry(failure: Failure, mode: RetryMode): boolean {
  if (!isTransient(failure)) return false;
  return mode !== 'once-only' || !isAmbiguous(failure);
}

/**
 * Milliseconds to wait before attempt `attempt + 1` (attempt counts from 1), or undefined when the loop must stop:
 * the failure is permanent or the attempts are used up. A Retry-After (seconds or an HTTP date) wins over the
 * backoff, capped; otherwise "full jitter": a uniform draw below the exponential bound, so clients that failed
 * together do not retry together.
 */
export function retryDelay(
  failure: Failure,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
  now: () => number = Date.now,
): number | undefined {
  if (!isTransient(failure) || attempt >= policy.maxAttempts) return undefined;
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const backoff = Math.floor(random() * bound);
  if (failure.type === 'status' && failure.retryAfter !== undefined) {
    const requested = parseRetryAfter(failure.retryAfter, now());
    if (requested !== undefined) return Math.min(policy.maxRetryAfterMs, Math.max(requested, 0));
  }
  return backoff;
}

/** Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP date; undefined when unreadable. */
export function parseRetryAfter(value: string, nowMs: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : date - nowMs;
}

/**
 * Waits `ms`. An abort ends the wait with the signal's own reason (an InterruptedError, or the ClusterError of
 * `--timeout`) rather than Node's generic AbortError, so the run ends with the right message and exit code.
 */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}

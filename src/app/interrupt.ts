// SIGINT/SIGTERM during a run: abort the work, let cleanup (thaw, deletes) finish, then die by the same signal.

import { InterruptedError, type StopSignal } from '../errors.ts';

export interface Interrupt {
  /** Aborted on the first signal (reason: an InterruptedError naming it) or by `abort`. */
  signal: AbortSignal;
  /** The signal received, if any. */
  readonly received: StopSignal | undefined;
  abort(reason: Error): void;
  /** Removes the handlers; then, if a signal was received, re-raises it so the exit status says so (130, 143). */
  finish(): void;
}

/** Minimal process surface, so the bookkeeping can be tested without signalling the test runner. */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
  kill(pid: number, signal: NodeJS.Signals): unknown;
  pid: number;
}

const SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Installs the handlers. While they are installed a signal does not kill the process: the run's cleanup (which
 * takes no abort signal) still thaws every guest. `onSignal` reports each signal (a second Ctrl-C says cleanup
 * is still running rather than killing it).
 */
export function installInterrupt(onSignal: (signal: StopSignal, first: boolean) => void, target: SignalTarget = process): Interrupt {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const handlers = new Map<StopSignal, () => void>();
  for (const name of SIGNALS) {
    const handler = () => {
      const first = received === undefined;
      received ??= name;
      onSignal(name, first);
      if (!controller.signal.aborted) controller.abort(new InterruptedError(name));
    };
    handlers.set(name, handler);
    target.on(name, handler);
  }
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    abort(reason) {
      if (!controller.signal.aborted) controller.abort(reason);
    },
    finish() {
      for (const [name, handler] of handlers) target.off(name, handler);
      if (received) target.kill(target.pid, received);
    },
  };
}

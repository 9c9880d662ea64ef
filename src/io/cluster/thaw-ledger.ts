// Bookkeeping of frozen guests so that every one is thawed exactly once, whatever ends the run.

import { InternalError } from '../../errors.ts';
import type { VmiName } from './freeze.ts';

export interface ThawOutcome {
  vmi: VmiName;
  /** The error message when the thaw failed (the guest is then thawed by its unfreezeTimeout). */
  error?: string;
}

/**
 * Records a guest as "maybe frozen" BEFORE its freeze request goes out (a request that times out may still have
 * frozen it), and thaws every recorded guest on `thawAll`. `thawAll` is idempotent and safe to call concurrently
 * (a signal handler and a `finally` may race): both get the same promise; it never rejects.
 */
export class ThawLedger {
  readonly #pending = new Map<string, VmiName>();
  readonly #unfreeze: (vmi: VmiName) => Promise<void>;
  #thawing: Promise<ThawOutcome[]> | undefined;

  constructor(unfreeze: (vmi: VmiName) => Promise<void>) {
    this.#unfreeze = unfreeze;
  }

  /** Call before sending the freeze. @throws InternalError when the ledger is already thawing (no freeze after a thaw). */
  recordFreezing(vmi: VmiName): void {
    if (this.#thawing) throw new InternalError(`not freezing ${vmi.namespace}/${vmi.name}: the run is already thawing`);
    this.#pending.set(`${vmi.namespace}/${vmi.name}`, vmi);
  }

  /** Guests recorded and not yet thawed, sorted. */
  get frozen(): VmiName[] {
    return [...this.#pending.values()].sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
  }

  get isThawing(): boolean {
    return this.#thawing !== undefined;
  }

  /** Thaws every recorded guest concurrently; the outcomes are sorted by namespace/name. */
  thawAll(): Promise<ThawOutcome[]> {
    this.#thawing ??= (async () => {
      const guests = this.frozen;
      const outcomes = await Promise.all(
        guests.map(async (vmi): Promise<ThawOutcome> => {
          try {
            await this.#unfreeze(vmi);
            return { vmi };
          } catch (error) {
            return { vmi, error: error instanceof Error ? error.message : String(error) };
          } finally {
            this.#pending.delete(`${vmi.namespace}/${vmi.name}`);
          }
        }),
      );
      return outcomes;
    })();
    return this.#thawing;
  }
}

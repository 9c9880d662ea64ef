// What a run created, undone newest first whatever ends the run: success, an error or a signal.

export interface CleanupReport {
  /** Nothing is undone, only reported as kept (`--keep`). */
  keep: boolean;
  kept(what: string): void;
  undone(what: string): void;
  failed(what: string, error: unknown): void;
}

/**
 * A stack of undo steps. Each is pushed BEFORE the thing it undoes is requested (a request that times out may still
 * have created it), and `unwind` runs them newest first; one failing does not stop the others.
 */
export class CleanupStack {
  readonly #steps: { what: string; undo: () => Promise<void> }[] = [];

  push(what: string, undo: () => Promise<void>): void {
    this.#steps.push({ what, undo });
  }

  /** Takes every step off without running it (what they undo is kept on purpose); returns their descriptions, oldest first. */
  release(): string[] {
    return this.#steps.splice(0).map((step) => step.what);
  }

  /** Runs every step, newest first, and empties the stack; failures are reported, never thrown. */
  async unwind(report: CleanupReport): Promise<void> {
    const steps = this.#steps.splice(0).reverse();
    if (report.keep) {
      for (const { what } of steps) report.kept(what);
      return;
    }
    for (const { what, undo } of steps) {
      try {
        await undo();
        report.undone(what);
      } catch (error) {
        report.failed(what, error);
      }
    }
  }
}

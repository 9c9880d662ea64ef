// The bundle file of a --with-data export: `<file>.partial` plus a journal, renamed into place only when complete.

import { rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { openJournal, type ExportJournal, type JournalHeader } from './export-journal.ts';
import type { PartialBundleFile } from './partial-bundle.ts';

/**
 * `<file>.partial` and, from the moment the exports are Ready, its journal. Success renames the partial file into
 * place and removes the journal; a failure after the journal exists keeps both (and the run's snapshots and
 * exports) for --resume, a failure before it removes the partial file.
 */
export class ResumableOutput {
  readonly paths: { partial: string; journal: string };
  readonly #target: string;
  readonly #file: PartialBundleFile;
  journal: ExportJournal | undefined;
  kept = false;

  constructor(paths: { partial: string; journal: string }, target: string, file: PartialBundleFile) {
    this.paths = paths;
    this.#target = target;
    this.#file = file;
  }

  get stream(): Writable {
    return this.#file.stream;
  }

  async startJournal(header: JournalHeader): Promise<void> {
    this.journal = await openJournal(this.paths.journal, header, { beforeFlush: () => this.#file.sync() });
  }

  /** A resumed run appends to the interrupted run's journal. */
  async reopenJournal(): Promise<void> {
    this.journal = await openJournal(this.paths.journal, undefined, { beforeFlush: () => this.#file.sync() });
  }

  async commit(): Promise<void> {
    await this.#file.commit(this.#target);
    await this.journal?.remove();
  }

  async abort(): Promise<void> {
    if (!this.journal) {
      await this.#file.remove();
      return;
    }
    // Whatever reached the file is described by the journal once both are synced.
    await this.#file.sync().catch(() => {});
    await this.journal.flush().catch(() => {});
    await this.journal.close();
    await this.#file.close();
    this.kept = true;
  }
}

/** Removes a file; one that is not there is fine. */
export async function removeIfPresent(path: string): Promise<void> {
  await rm(path, { force: true });
}

// The order rule shared by writer and reader: header, graph, objects (sorted), exports (sorted), data, trailer.

import { compareRefs, compareStrings, type ObjectRef } from '../model/object-ref.ts';
import { graphPath, HEADER_PATH, TRAILER_PATH, parseEntryPath, type EntryPath, type FormatVersion } from './layout.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import type { BundleProblem } from './problems.ts';

const STAGES = ['header', 'graph', 'object', 'export', 'data', 'trailer'] as const;
type Stage = (typeof STAGES)[number];

const PLURAL: Record<Stage, string> = {
  header: 'the header',
  graph: 'the graph',
  object: 'objects',
  export: 'export records',
  data: 'data entries',
  trailer: 'the trailer',
};

/** The stage of each section: chunks and volume indexes make up the data section of v1alpha2 and may interleave. */
const STAGE_OF: Record<EntryPath['section'], Stage> = {
  header: 'header',
  graph: 'graph',
  object: 'object',
  export: 'export',
  data: 'data',
  chunk: 'data',
  index: 'data',
  trailer: 'trailer',
};

/**
 * Checks entry names one at a time against the layout and order of one format version. Objects must come sorted by
 * ref and export records by (namespace, VM name), so the same content always gives the same bytes. Chunk entries
 * are not remembered here (a bundle holds millions): the reader's chunk table finds duplicates among them, and
 * they do not count against `maxEntries`.
 */
export class EntryOrder {
  readonly version: FormatVersion;
  readonly #maxEntries: number;
  readonly #seen = new Set<string>();
  /** Index in STAGES of the latest entry accepted; -1 before the header. */
  #stage = -1;
  #lastObject: ObjectRef | undefined;
  #lastExport: { namespace: string; vmName: string } | undefined;

  constructor(maxEntries: number = DEFAULT_LIMITS.maxEntries, version: FormatVersion = 'v1alpha2') {
    this.#maxEntries = maxEntries;
    this.version = version;
  }

  /** True once the trailer was accepted. */
  get complete(): boolean {
    return this.#stage === STAGES.indexOf('trailer');
  }

  /** Classifies `name` and accepts it as the next entry, or returns why it cannot come here. */
  next(name: string): EntryPath | BundleProblem {
    const problem = (code: string, message: string): BundleProblem => ({ code, entry: name, message });
    const entry = parseEntryPath(name, this.version);
    if (entry.section === 'invalid') return problem(entry.code, entry.reason);
    const isChunk = entry.section === 'chunk';
    if (!isChunk && this.#seen.has(name)) return problem('duplicate-entry', 'duplicate entry');
    if (this.complete) return problem('after-trailer', `entry after the trailer (${TRAILER_PATH} must be last)`);
    if (!isChunk && this.#seen.size >= this.#maxEntries) return problem('too-many-entries', `more than ${this.#maxEntries} entries`);

    const section = STAGE_OF[entry.section];
    const stage = STAGES.indexOf(section);
    if (this.#stage === -1 && entry.section !== 'header') {
      return problem('missing-header', `expected the header ${HEADER_PATH} first (missing or out of order)`);
    }
    if (this.#stage === 0 && entry.section !== 'graph') {
      return problem('missing-graph', `expected the graph ${graphPath(this.version)} right after the header (missing or out of order)`);
    }
    if (stage < this.#stage) {
      const current = STAGES[this.#stage] as Stage;
      return problem('out-of-order', `out of order (${PLURAL[section]} come before ${PLURAL[current]})`);
    }
    if (entry.section === 'object') {
      if (this.#lastObject && compareRefs(this.#lastObject, entry.ref) >= 0) {
        return problem('out-of-order', 'out of order (objects are sorted by group, kind, namespace, name)');
      }
      this.#lastObject = entry.ref;
    }
    if (entry.section === 'export') {
      const last = this.#lastExport;
      if (last && (compareStrings(last.namespace, entry.namespace) || compareStrings(last.vmName, entry.vmName)) >= 0) {
        return problem('out-of-order', 'out of order (export records are sorted by namespace, VM name)');
      }
      this.#lastExport = { namespace: entry.namespace, vmName: entry.vmName };
    }
    if (!isChunk) this.#seen.add(name);
    this.#stage = stage;
    return entry;
  }

  /** What is missing when the entries ended here: the header, the graph or the trailer. */
  endProblem(): BundleProblem | undefined {
    if (this.#stage === -1) return { code: 'missing-header', message: `no header ${HEADER_PATH} (empty or not a bundle)` };
    if (this.#stage === 0) return { code: 'missing-graph', message: `no graph ${graphPath(this.version)} after the header` };
    if (!this.complete) return { code: 'missing-trailer', message: `no trailer ${TRAILER_PATH} (truncated or incomplete bundle)` };
    return undefined;
  }
}


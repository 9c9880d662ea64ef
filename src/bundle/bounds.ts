// What reading a bundle may cost, as a function of its size: JSON bytes, values and depth are budgeted against the bytes read.

import { MAX_JSON_DEPTH, scanJson } from '../model/json-shape.ts';
import { formatBytes } from './limits.ts';
import type { BundleProblem } from './problems.ts';

/**
 * The budget of a bundle of S input bytes (compressed, as read): its JSON entries may hold at most
 * `jsonBytesBase + jsonBytesPerInputByte × S` bytes and `jsonValuesBase + jsonValuesPerInputByte × S` values, none
 * nested deeper than `maxJsonDepth`. Volume data is streamed through a hash and costs no memory, so it is not
 * budgeted. Legitimate bundles compress their JSON about 10–30 times and hold one value per 20 bytes of JSON
 * (0.6 values per input byte for 1,000 generated VMs over the whole bundle). The graph comes second, when little
 * has been read, and compresses best: at 10,000 VMs its 31 MB of JSON is a 1 MB entry of about 2.6 million values
 * (keys counted), so the values factor is 5, twice that, and no more: a hostile bundle under 1 MB may still not
 * parse into more than about 5.5 million values.
 */
export interface BundleBudget {
  jsonBytesBase: number;
  jsonBytesPerInputByte: number;
  jsonValuesBase: number;
  jsonValuesPerInputByte: number;
  maxJsonDepth: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_BUDGET: Readonly<BundleBudget> = Object.freeze({
  jsonBytesBase: 16 * MiB,
  jsonBytesPerInputByte: 100,
  jsonValuesBase: 500_000,
  jsonValuesPerInputByte: 5,
  maxJsonDepth: MAX_JSON_DEPTH,
});

/** The running account of one bundle being read. */
export class BundleBounds {
  readonly #budget: BundleBudget;
  #inputBytes = 0;
  #jsonBytes = 0;
  #jsonValues = 0;

  constructor(budget: Partial<BundleBudget> = {}) {
    this.#budget = { ...DEFAULT_BUDGET, ...budget };
  }

  /** Input bytes read so far (before gunzip). */
  addInput(bytes: number): void {
    this.#inputBytes += bytes;
  }

  get inputBytes(): number {
    return this.#inputBytes;
  }

  /** Checks a JSON entry while it is read (`received` bytes of it so far), so an inflating entry is stopped early. */
  jsonBytes(path: string, received: number): BundleProblem | undefined {
    const maxBytes = this.#budget.jsonBytesBase + this.#budget.jsonBytesPerInputByte * this.#inputBytes;
    if (this.#jsonBytes + received <= maxBytes) return undefined;
    return over(path, `its JSON inflates to over ${formatBytes(maxBytes)} from ${formatBytes(this.#inputBytes)} of bundle`);
  }

  /** Charges one whole JSON entry (before it is parsed); a problem naming the entry when it is over the budget. */
  jsonEntry(path: string, bytes: Uint8Array): BundleProblem | undefined {
    const budget = this.#budget;
    const tooMany = this.jsonBytes(path, bytes.byteLength);
    if (tooMany) return tooMany;
    this.#jsonBytes += bytes.byteLength;
    const maxValues = budget.jsonValuesBase + budget.jsonValuesPerInputByte * this.#inputBytes;
    const shape = scanJson(bytes, maxValues - this.#jsonValues, budget.maxJsonDepth);
    if ('over' in shape) return over(path, `${shape.over} (${maxValues} values allowed for ${formatBytes(this.#inputBytes)} of bundle)`);
    this.#jsonValues += shape.nodes;
    return undefined;
  }
}

function over(entry: string, message: string): BundleProblem {
  return { code: 'over-bound', entry, message: `over a resource bound: ${message}` };
}

// Cross-checks volume data entries with the export records that list them: each listed once, each present, sizes equal.

import type { ExportDataItem, ExportRecord } from './documents.ts';
import { dataPath, exportPath, volumeIndexPath, type DataFormat, type FormatVersion } from './layout.ts';
import type { BundleProblem } from './problems.ts';

interface Declared {
  item: ExportDataItem;
  recordPath: string;
  written: boolean;
}

/**
 * Bookkeeping of declared and written data entries (v1alpha1 data files, v1alpha2 volume indexes); problems come
 * back as data, in entry order.
 */
export class DataReferences {
  readonly #declared = new Map<string, Declared>();
  readonly #version: FormatVersion;

  constructor(version: FormatVersion = 'v1alpha2') {
    this.#version = version;
  }

  /** Registers the data items of an export record; returns what is wrong with them. */
  declare(record: ExportRecord): BundleProblem[] {
    const recordPath = exportPath(record.namespace, record.vmName, this.#version);
    const problems: BundleProblem[] = [];
    for (const item of record.data) {
      const v1 = this.#version === 'v1alpha1';
      const expected = v1 ? dataPath(record.namespace, item.volume, item.format as DataFormat) : volumeIndexPath(record.namespace, item.volume);
      if (item.path !== expected) {
        problems.push({ code: 'data-path', entry: recordPath, message: `data path ${item.path} should be ${expected} (volume ${item.volume}, format ${item.format})` });
        continue;
      }
      const previous = this.#declared.get(item.path);
      if (previous) {
        problems.push({ code: 'data-duplicate', entry: recordPath, message: `data ${item.path} is already listed by ${previous.recordPath}` });
        continue;
      }
      this.#declared.set(item.path, { item, recordPath, written: false });
    }
    return problems;
  }

  /** The size an export record declared for `path`, if any. */
  declaredSize(path: string): number | undefined {
    return this.#declared.get(path)?.item.size;
  }

  /** Records a data entry (or volume index) as present; a problem when no record lists it or the sizes differ. */
  written(path: string, size?: number): BundleProblem | undefined {
    const declared = this.#declared.get(path);
    if (!declared) return { code: 'data-not-listed', entry: path, message: `${this.#version === 'v1alpha1' ? 'data entry' : 'volume index'} not listed in any export record` };
    declared.written = true;
    if (size !== undefined && declared.item.size !== size) {
      return { code: 'data-size', entry: path, message: `size ${size} differs from ${declared.item.size} in ${declared.recordPath}` };
    }
    return undefined;
  }

  /** Compares a data entry's sha256 with the one its export record gives, when it gives one. */
  digest(path: string, sha256: string): BundleProblem | undefined {
    const expected = this.#declared.get(path)?.item.sha256;
    if (expected === undefined || expected === sha256) return undefined;
    return { code: 'sha256-mismatch', entry: path, message: `sha256 mismatch with ${this.#declared.get(path)?.recordPath}` };
  }

  /** How many data entries the export records list. */
  get count(): number {
    return this.#declared.size;
  }

  /** Declared data that never came. */
  unwritten(): BundleProblem[] {
    return [...this.#declared.entries()]
      .filter(([, declared]) => !declared.written)
      .map(([path, declared]) => ({ code: 'data-missing', entry: declared.recordPath, message: `lists data ${path} that the bundle does not hold` }));
  }
}

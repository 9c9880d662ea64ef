// Download progress for the cluster shell: a byte task of src/io/term/progress.ts (kept for the callers' existing API).

import type { Writable } from 'node:stream';
import { startTask, type ProgressTask } from '../term/progress.ts';

export { formatSize } from '../term/progress.ts';

export type ProgressReporter = Pick<ProgressTask, 'track' | 'add' | 'done'>;

/** A byte task labelled `label`; `total` 0 when the size is not known (then rate without percentage or ETA). */
export function progressReporter(stderr: Writable & { isTTY?: boolean }, label: string, total: number): ProgressReporter {
  return startTask(label, { unit: 'bytes', total }, stderr);
}

// Names and labels of the objects one export run creates, so they can be found, waited for and deleted as a set.

import { randomBytes } from 'node:crypto';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'kubectl-kvbackup';
/** Carries the run id on every object a run creates. */
export const RUN_LABEL = 'kubectl-kvbackup/run';

/** A short random id, valid in names and label values. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/** The labels of a run's objects. */
export function runLabels(runId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_LABEL]: runId };
}

export function runSelector(runId: string): string {
  return `${RUN_LABEL}=${runId}`;
}

/**
 * `kvbackup-<run>-<vm>`, cut to `max` characters (63 keeps it a DNS label: the export's Service name derives from
 * it); a cut name ends with a hash of the full one so two long VM names cannot collide.
 */
export function objectName(runId: string, vmName: string, max = 63): string {
  const full = `kvbackup-${runId}-${vmName}`;
  if (full.length <= max) return full;
  let hash = 0;
  for (const char of full) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  const suffix = hash.toString(36).padStart(7, '0').slice(0, 7);
  return `${full.slice(0, max - 8).replace(/[-.]+$/, '')}-${suffix}`;
}

// What a restore did to each object, counted per kind, as the summary at the end and `-o json` show it.

import { compareRefs, compareStrings, describeRef, type ObjectRef } from '../model/object-ref.ts';

/** The outcome of one object. */
export type Outcome = 'created' | 'unchanged' | 'skipped' | 'replaced' | 'failed';
export const OUTCOMES: readonly Outcome[] = ['created', 'unchanged', 'skipped', 'replaced', 'failed'];

export interface ObjectResult {
  ref: ObjectRef;
  outcome: Outcome;
  /** Why it was skipped or failed, or what the server said. */
  message?: string;
}

export interface KindCounts {
  group: string;
  kind: string;
  created: number;
  unchanged: number;
  skipped: number;
  replaced: number;
  failed: number;
}

/** `-o json` of restore. */
export interface RestoreSummary {
  apiVersion: 'kvbackup.kubevirt.io/v1alpha1';
  kind: 'RestoreSummary';
  /** `none`, `client` or `server`. */
  dryRun: 'none' | 'client' | 'server';
  kinds: KindCounts[];
  objects: ObjectResult[];
  /** Volumes whose data was uploaded from the bundle, or pointed at an export URL. */
  volumes: { namespace: string; name: string; source: 'bundle' | 'export-url'; outcome: 'uploaded' | 'unchanged' | 'configured' | 'failed'; bytes?: number; message?: string }[];
  totals: Omit<KindCounts, 'group' | 'kind'>;
}

/** Builds the summary from the results, sorted by (group, kind, namespace, name). */
export function summarise(results: readonly ObjectResult[], dryRun: RestoreSummary['dryRun'], volumes: RestoreSummary['volumes'] = []): RestoreSummary {
  const objects = [...results].sort((a, b) => compareRefs(a.ref, b.ref));
  const byKind = new Map<string, KindCounts>();
  const totals = { created: 0, unchanged: 0, skipped: 0, replaced: 0, failed: 0 };
  for (const result of objects) {
    const key = `${result.ref.group}/${result.ref.kind}`;
    let counts = byKind.get(key);
    if (!counts) {
      counts = { group: result.ref.group, kind: result.ref.kind, created: 0, unchanged: 0, skipped: 0, replaced: 0, failed: 0 };
      byKind.set(key, counts);
    }
    counts[result.outcome] += 1;
    totals[result.outcome] += 1;
  }
  const sortedVolumes = [...volumes].sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name));
  return { apiVersion: 'kvbackup.kubevirt.io/v1alpha1', kind: 'RestoreSummary', dryRun, kinds: [...byKind.values()], objects, volumes: sortedVolumes, totals };
}

/** The summary as a table on stderr: one line per kind, then the totals. */
export function formatSummary(summary: RestoreSummary): string[] {
  const rows = summary.kinds.map((counts) => [counts.group === '' ? counts.kind : `${counts.kind}.${counts.group}`, ...OUTCOMES.map((outcome) => String(counts[outcome]))]);
  rows.push(['total', ...OUTCOMES.map((outcome) => String(summary.totals[outcome]))]);
  const header = ['KIND', ...OUTCOMES.map((outcome) => outcome.toUpperCase())];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  const prefix = summary.dryRun === 'none' ? '' : ` (dry run: ${summary.dryRun}, nothing was changed)`;
  const lines = [`restore summary${prefix}:`, line(header), ...rows.map(line)];
  for (const volume of summary.volumes) {
    lines.push(`volume ${volume.namespace}/${volume.name}: ${volume.outcome} from ${volume.source}${volume.bytes === undefined ? '' : ` (${volume.bytes} bytes)`}${volume.message ? `: ${volume.message}` : ''}`);
  }
  for (const failed of summary.objects.filter((result) => result.outcome === 'failed')) {
    lines.push(`failed: ${describeRef(failed.ref)}${failed.message ? `: ${failed.message}` : ''}`);
  }
  return lines;
}

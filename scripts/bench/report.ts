// The benchmark's output: one Markdown table per section, with notes under it.

/** One section of results, printed as a Markdown table. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  notes: string[];
}

/** Renders a table as Markdown (the form BENCHMARKS.md keeps). */
export function renderTable(table: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  const lines = [`### ${table.title}`, '', line(table.columns), line(table.columns.map(() => '---')), ...table.rows.map(line)];
  if (table.notes.length > 0) lines.push('', ...table.notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}

/** Seconds with two decimals. */
export const seconds = (ms: number): string => (ms / 1000).toFixed(2);
/** Mebibytes: one decimal below 100 MiB, none above. */
export const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(bytes < 100 * 1024 * 1024 ? 1 : 0);
/** A ratio such as `1.23×`. */
export const ratio = (value: number): string => `${value.toFixed(2)}×`;
/** `met` or `missed`, for a target column. */
export const verdict = (met: boolean): string => (met ? 'met' : '**missed**');

// The process's diagnostics settings, as kubectl's klog holds them: the `-v` level and when progress is drawn.

/** `--progress`: auto draws on a terminal only. */
export type ProgressMode = 'auto' | 'always' | 'never';

export interface LogSettings {
  /** kubectl's `-v`: 1 steps, retries and request counts; 6 every request. */
  verbosity: number;
  progress: ProgressMode;
}

/** kubectl logs each request at this level. */
export const REQUEST_LOG_LEVEL = 6;

let settings: LogSettings = { verbosity: 0, progress: 'auto' };

/** Set once by the command line before a command runs. */
export function setLogSettings(next: LogSettings): void {
  settings = { ...next };
}

export function logSettings(): Readonly<LogSettings> {
  return settings;
}

/** True when `-v` is at least `level`. */
export function logEnabled(level: number): boolean {
  return settings.verbosity >= level;
}

/** Writes one line to stderr when `-v` is at least `level`. */
export function logAt(level: number, message: string, stderr: { write(text: string): unknown } = process.stderr): void {
  if (settings.verbosity >= level) stderr.write(`${message}\n`);
}

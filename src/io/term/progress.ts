// Progress on stderr, drawn by cli-progress: bytes with rate and ETA, or counts, for any number of tasks at once.
// On a terminal (or with --progress=always) bars are redrawn in place; elsewhere nothing, unless -v asks for plain
// periodic lines, so logs and CI output stay readable.

import { MultiBar, type Options, type Params, type SingleBar } from 'cli-progress';
import type { Writable } from 'node:stream';
import { escapeControls, UNESCAPED } from './escape.ts';
import { logSettings, type ProgressMode } from './log.ts';

/** One piece of work whose progress is shown: call `add` as bytes or items are done, `done` once at the end. */
export interface ProgressTask {
  /** Counts `amount` more bytes (or items) done. */
  add(amount: number): void;
  /** The chunks passed through unchanged, each counted as it goes by. */
  track(chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer>;
  /** Ends the task (also after a failure); safe to call more than once. */
  done(): void;
}

export interface TaskOptions {
  /** Bytes (shown with units, rate and ETA) or items (shown as counts). */
  unit: 'bytes' | 'items';
  /** Undefined or 0 when not known: then no percentage or ETA is shown. */
  total?: number | undefined;
}

/** Milliseconds between plain lines when stderr is not a terminal. */
export const PLAIN_LINE_INTERVAL_MS = 5000;

type Stream = Writable & { isTTY?: boolean; columns?: number };

/** How progress is shown on `stream` for the `--progress` mode and `-v` level. */
export function progressStyle(stream: Stream, mode: ProgressMode, verbosity: number): 'bars' | 'lines' | 'none' {
  if (mode === 'never') return 'none';
  if (stream.isTTY) return 'bars';
  if (mode === 'always') return 'lines';
  return verbosity >= 1 ? 'lines' : 'none';
}

const displays = new WeakMap<Stream, { bars: MultiBar; active: number }>();

/** Starts a task on `stream` (stderr by default), shown as the process's settings say. */
export function startTask(label: string, options: TaskOptions, given: Stream = process.stderr): ProgressTask {
  // The bars are drawn with cursor movements, which an escaping stream would spell out; the label is escaped here.
  const stream = (given as Stream & { [UNESCAPED]?: Stream })[UNESCAPED] ?? given;
  const { progress, verbosity } = logSettings();
  const style = progressStyle(stream, progress, verbosity);
  if (style === 'none') return countingOnly();
  let display = displays.get(stream);
  if (!display) {
    display = { bars: new MultiBar(barOptions(stream, style)), active: 0 };
    displays.set(stream, display);
  }
  const shared = display;
  const bar: SingleBar = shared.bars.create(options.total ?? 0, 0, { label: escapeControls(label), unit: options.unit, known: (options.total ?? 0) > 0 });
  shared.active++;
  let finished = false;
  const task: ProgressTask = {
    add(amount) {
      bar.increment(amount);
    },
    async *track(chunks) {
      for await (const chunk of chunks) {
        bar.increment(chunk.length);
        yield chunk;
      }
    },
    done() {
      if (finished) return;
      finished = true;
      // The final figures stay on screen; the display ends with its last task so the cursor is given back.
      if (--shared.active === 0) {
        shared.bars.stop();
        displays.delete(stream);
      }
    },
  };
  return task;
}

function countingOnly(): ProgressTask {
  return { add() {}, track: (chunks) => chunks, done() {} };
}

function barOptions(stream: Stream, style: 'bars' | 'lines'): Options {
  return {
    stream,
    format: formatLine,
    hideCursor: style === 'bars' ? true : null,
    clearOnComplete: false,
    // The use cases handle SIGINT/SIGTERM themselves (guests are thawed first); the library must not exit.
    gracefulExit: false,
    noTTYOutput: style === 'lines',
    notTTYSchedule: PLAIN_LINE_INTERVAL_MS,
    etaBuffer: 50,
    fps: 5,
    barsize: 24,
    autopadding: false,
  };
}

/** `vm-1/disk (gzip) [████░░░░] 41% 1.2 GiB / 2.9 GiB, 35.0 MiB/s, ETA 50s`, or `… 1.2 GiB, 35.0 MiB/s` without a total. */
export function formatLine(options: Options, params: Params, payload: { label?: string; unit?: 'bytes' | 'items'; known?: boolean }): string {
  const bytes = payload.unit !== 'items';
  const amount = (value: number) => (bytes ? formatSize(value) : String(value));
  const elapsedSeconds = Math.max((Date.now() - params.startTime) / 1000, 0.001);
  const rate = params.value / elapsedSeconds;
  const rateText = bytes ? `${formatSize(rate)}/s` : `${rate.toFixed(rate < 10 ? 1 : 0)}/s`;
  const label = payload.label ?? '';
  if (!payload.known) return `${label} ${amount(params.value)}, ${rateText}`;
  const barSize = options.barsize ?? 24;
  const filled = Math.round(Math.min(params.progress, 1) * barSize);
  const bar = options.stream && (options.stream as Stream).isTTY ? ` [${'█'.repeat(filled)}${'░'.repeat(barSize - filled)}]` : '';
  const percent = Math.floor(Math.min(params.progress, 1) * 100);
  const eta = params.value >= params.total ? 'done' : `ETA ${formatDuration(params.eta)}`;
  return `${label}${bar} ${percent}% ${amount(params.value)} / ${amount(params.total)}, ${rateText}, ${eta}`;
}

/** `512 B`, `3.4 MiB`, `1.2 GiB`. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `50s`, `3m20s`, `1h05m`; `?` while no estimate exists. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

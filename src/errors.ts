// Typed errors: the core and the shell throw these; only the CLI entry maps them to exit codes.

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  /** Bad input (file, bundle entry, object), an incomplete graph, or a failed check. */
  input: 1,
  /** Bad command line. */
  usage: 2,
  /** The cluster refused or failed (permissions, missing objects, timeouts). */
  cluster: 3,
  /** A bug in kubectl-kvbackup. */
  internal: 70,
  /** Interrupted by SIGHUP, SIGINT or SIGTERM: 128 + the signal's number, as a shell reports a death by it. */
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

/** The signals a run stops on; each is an exit code of its own. */
export type StopSignal = 'SIGHUP' | 'SIGINT' | 'SIGTERM';

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: one line, no stack, a known exit code. */
export class KvbError extends Error {
  readonly exitCode: ExitCodeValue;
  /** Further lines printed after the message (for example the list of missing objects). */
  readonly details: readonly string[];

  constructor(message: string, exitCode: ExitCodeValue, details: readonly string[] = []) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** The command line is wrong: unknown flag, conflicting flags, bad flag value. */
export class UsageError extends KvbError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** An input file, bundle entry or object is wrong. The message names it. */
export class InputError extends KvbError {
  constructor(message: string, details: readonly string[] = []) {
    super(message, ExitCode.input, details);
  }
}

/** `--require-complete` found non-optional edges whose targets are missing. */
export class IncompleteGraphError extends KvbError {
  constructor(message: string, missing: readonly string[]) {
    super(message, ExitCode.input, missing);
  }
}

/** What the apiserver answered: the HTTP status and the `reason` of its Status object (`Forbidden`, `NotFound`, …). */
export interface ApiStatus {
  status: number;
  reason?: string | undefined;
}

/**
 * The cluster refused a request or did not reach the expected state. When the apiserver answered, `status` and
 * `reason` say how; callers tell failures apart by them, never by the message.
 */
export class ClusterError extends KvbError {
  readonly status: number | undefined;
  readonly reason: string | undefined;

  constructor(message: string, details: readonly string[] = [], api?: ApiStatus) {
    super(message, ExitCode.cluster, details);
    this.status = api?.status;
    this.reason = api?.reason;
  }
}

/**
 * The run was stopped by a signal, after its cleanup (every guest thawed, what it created deleted). The exit code
 * is the one a death by that signal gives.
 */
export class InterruptedError extends KvbError {
  readonly signal: StopSignal;

  constructor(signal: StopSignal, message = `interrupted by ${signal}`) {
    super(message, ExitCode[signal]);
    this.signal = signal;
  }
}

/**
 * A broken invariant inside kubectl-kvbackup: printed with its stack, exit 70. Only for what no input, cluster or
 * command line can cause; everything else is one of the classes above.
 */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

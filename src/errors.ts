// Typed errors: the core and the shell throw these; only the CLI entry maps them to exit codes.

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  /** Bad input (file, bundle entry, object), an incomplete graph, or a failed check. */
  input: 1,
  /** Bad command line. */
  usage: 2,
  /** The cluster or a registry refused or failed (permissions, missing objects, timeouts). */
  cluster: 3,
  /** A bug in kubectl-kvbackup. */
  internal: 70,
} as const;

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

/** The cluster refused a request or did not reach the expected state. */
export class ClusterError extends KvbError {
  constructor(message: string, details: readonly string[] = []) {
    super(message, ExitCode.cluster, details);
  }
}

/** A registry refused a request or failed (authentication, permissions, a missing manifest, the network). */
export class RegistryError extends KvbError {
  constructor(message: string, details: readonly string[] = []) {
    super(message, ExitCode.cluster, details);
  }
}

/** A broken invariant inside kubectl-kvbackup: printed with its stack. */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

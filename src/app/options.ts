// Typed options of the use cases, as the command line hands them over.

// The registry alone, not the transform's index: the flags are built at start-up, before any validator is needed.
import { TRANSFORM_OPTIONS, type TransformOption, type TransformOptions } from '../transform/option-registry.ts';
import type { ObjectOutput } from '../io/term/render.ts';
import type { QuiesceMode } from './export-selection.ts';
import type { InputSelection } from './load-input.ts';

/**
 * The transform options as the command line gives them (absent or undefined: not given), shared by `transform`
 * and `restore`: the values, and in `files` the names of the files that hold the options given as a file.
 */
export type TransformFlags = Partial<TransformOptions> & { files?: Partial<Record<keyof TransformOptions, string>> };

/** The flags of the transform options, as the rules declare them: the command line derives its flags from these. */
export const TRANSFORM_OPTION_FLAGS: readonly TransformOption[] = TRANSFORM_OPTIONS;

/** Where `graph` reads objects from: manifests or a bundle, or a cluster's namespaces. */
export type GraphSource =
  | { type: 'file'; input: InputSelection; namespace: string }
  | { type: 'cluster'; kubeconfig: string | undefined; context: string | undefined; namespace: string | undefined; allNamespaces: boolean; verbose: boolean };

export interface GraphOptions {
  source: GraphSource;
  output: 'tree' | 'dot' | ObjectOutput;
  outputFile: string;
  requireComplete: boolean;
}

export interface TransformCommandOptions {
  input: InputSelection;
  namespace: string;
  /** Default: a bundle when the input is one, else YAML. */
  output: 'bundle' | ObjectOutput | undefined;
  outputFile: string;
  reportFile: string | undefined;
  transform: TransformFlags;
}

export interface BundleCommandOptions {
  filename: string;
  output: 'text' | 'json' | { jsonpath: string };
}

/** `push BUNDLE oci://HOST/REPOSITORY:TAG`. */
export interface PushCommandOptions {
  /** A bundle file, `-` for stdin, or an `oci://` location. */
  bundle: string;
  /** `oci://HOST/REPOSITORY[:TAG]`. */
  destination: string;
  /** `text`: the pushed reference; `json`: the reference, digest and what was sent. */
  output: 'text' | 'json';
}

/** `pull oci://HOST/REPOSITORY:TAG`. */
export interface PullCommandOptions {
  source: string;
  /** A file, or `-` for stdout. */
  outputFile: string;
}

/** How to reach the cluster: kubectl's connection flags. */
export interface ClusterFlags {
  kubeconfig: string | undefined;
  context: string | undefined;
  /** `-n`; undefined: the context's namespace, else `default`. */
  namespace: string | undefined;
  allNamespaces: boolean;
  selector: string | undefined;
  verbose: boolean;
}

/** `--parallel` of `export --with-data`: the default fills a laptop's link to one export server; more is allowed up to the max. */
export const DEFAULT_PARALLEL = 4;
export const MAX_PARALLEL = 64;

export interface ExportOptions extends ClusterFlags {
  /** VM (or VMI, replica set, pool) names. */
  names: string[];
  quiesce: QuiesceMode;
  snapshot: boolean;
  export: boolean;
  withData: boolean;
  includeToken: boolean;
  keep: boolean;
  dryRun: boolean;
  gzip: boolean;
  outputFile: string;
  /** Seconds for the whole run; 0: no overall limit. */
  timeoutSeconds: number;
  /** Seconds to wait for the snapshots to be readyToUse (also their failureDeadline). */
  snapshotTimeoutSeconds: number;
  /** Seconds to wait for the exports to be Ready. */
  exportTimeoutSeconds: number;
  /** The unfreezeTimeout of every freeze: after it a guest thaws by itself even if kvbackup died. */
  unfreezeTimeoutSeconds: number;
  /** The exports' ttlDuration: KubeVirt deletes them after it. */
  exportTtlSeconds: number;
  /** Requests to the export servers at once, across all volumes (--parallel). */
  parallel: number;
  /** Continue the interrupted --with-data export of the same output file (--resume). */
  resume: boolean;
  /** Back up through KubeVirt's backup API (pull mode, changed block tracking) instead of snapshot + export. */
  incremental: boolean;
  /** The previous bundle of the incremental chain (--base). */
  base: string | undefined;
}

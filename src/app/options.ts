// Typed options of the use cases, as the command line hands them over.

import type { IdentityMode, RunStrategy } from '../transform/index.ts';
import type { QuiesceMode } from './export-selection.ts';

/** The transform rule flags, shared by `transform` and `restore`. */
export interface TransformFlags {
  mac: IdentityMode;
  macMapFile: string | undefined;
  firmware: IdentityMode;
  seed: string | undefined;
  targetNamespace: string | undefined;
  namespaceMap: Record<string, string> | undefined;
  storageClassMap: Record<string, string> | undefined;
  runStrategy: RunStrategy | undefined;
}

/** Where `graph` reads objects from: manifests or a bundle, or a cluster's namespaces. */
export type GraphSource =
  | { type: 'file'; filename: string; namespace: string }
  | { type: 'cluster'; kubeconfig: string | undefined; context: string | undefined; namespace: string | undefined; allNamespaces: boolean; verbose: boolean };

export interface GraphOptions {
  source: GraphSource;
  output: 'tree' | 'json' | 'yaml' | 'dot';
  outputFile: string;
  requireComplete: boolean;
}

export interface TransformCommandOptions {
  filename: string;
  namespace: string;
  /** Default: a bundle when the input is one, else YAML. */
  output: 'bundle' | 'yaml' | 'json' | undefined;
  outputFile: string;
  reportFile: string | undefined;
  transform: TransformFlags;
}

export interface BundleCommandOptions {
  filename: string;
  output: 'text' | 'json';
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
}

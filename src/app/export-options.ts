// Typed options of `export`, as the command line hands them over.

import type { QuiesceMode } from './export-selection.ts';

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
}

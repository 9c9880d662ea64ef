// Typed options of the use cases, as the command line hands them over.

import type { IdentityMode, RunStrategy } from '../transform/index.ts';

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

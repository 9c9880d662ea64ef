// kubectl's connection and selection flags for the commands that talk to a cluster.

import type { Argv } from 'yargs';

/** `--kubeconfig`, `--context`, `-n`, `-A`, `-l`, spelled and behaving as kubectl's (`-v` is global: flags.ts). */
export function withClusterFlags<T>(yargs: Argv<T>) {
  return yargs
    .option('kubeconfig', { type: 'string', description: 'Path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account)', requiresArg: true })
    .option('context', { type: 'string', description: 'The kubeconfig context to use', requiresArg: true })
    .option('namespace', { alias: 'n', type: 'string', description: "Namespace to export from (default: the context's namespace, else default)", requiresArg: true })
    .option('all-namespaces', { alias: 'A', type: 'boolean', default: false, description: 'Export from every namespace' })
    .option('selector', { alias: 'l', type: 'string', description: 'Label selector for the VMs, VMIs, replica sets and pools to export (as kubectl -l)', requiresArg: true });
}

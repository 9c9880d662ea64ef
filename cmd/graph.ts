// `graph`: the dependency graph of manifests, a bundle, or what a cluster holds.

import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, inputFilesOf, resolveOutput, verbosityOf, withDocumentOutput, withFilename, withOutputFile } from './flags.ts';
import { streams } from './streams.ts';
import { withRegistryFlags } from './registry-flags.ts';

const formats = ['tree', 'json', 'yaml', 'dot', 'name'] as const;

function builder(yargs: Argv) {
  return withOutputFile(withDocumentOutput(withFilename(withRegistryFlags(yargs), 'Manifests (files, directories, or - for stdin; repeatable) or a bundle (a file or oci://HOST/REPOSITORY:TAG); without it the graph is read from the cluster'), formats, 'tree'))
    .option('namespace', {
      alias: 'n',
      type: 'string',
      description: "With -f: the namespace given to objects that carry none (default: default). Without: the namespace to read (default: the context's)",
      requiresArg: true,
    })
    .option('all-namespaces', { alias: 'A', type: 'boolean', description: 'Without -f: read every namespace' })
    .option('kubeconfig', { type: 'string', description: 'Without -f: the kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)', requiresArg: true })
    .option('context', { type: 'string', description: 'Without -f: the kubeconfig context', requiresArg: true })
    .option('require-complete', {
      type: 'boolean',
      default: false,
      description: 'Exit 1 and list the missing targets of non-optional edges',
    })
    .conflicts('all-namespaces', 'namespace')
    .conflicts('filename', ['all-namespaces', 'kubeconfig', 'context'])
    .example('$0 graph -f vms.yaml', 'Print one tree per VM, standalone VMI, replica set and pool')
    .example('$0 graph -f backup.tar -o dot | dot -Tsvg > graph.svg', 'Draw the graph of a bundle')
    .example('$0 graph -f manifests/ -o json --require-complete', 'Fail when a required object is missing')
    .example('$0 graph -f vms/ -R -o name', 'The objects of a directory tree the graph holds, as kind.group/name')
    .example('$0 graph -n prod -v=1', 'The graph of what namespace prod holds, as export would walk it');
}

export const graphCommand: CommandModule<object, ArgsOf<typeof builder>> = {
  command: 'graph',
  describe: 'Print the dependency graph of manifests, a bundle, or a namespace of a cluster',
  builder,
  async handler(argv) {
    const { runGraph } = await import('../src/app/graph.ts');
    await runGraph(
      {
        source:
          argv.filename === undefined
            ? { type: 'cluster', kubeconfig: argv.kubeconfig, context: argv.context, namespace: argv.namespace, allNamespaces: argv['all-namespaces'] === true, verbose: verbosityOf(argv) >= 1 }
            : { type: 'file', input: inputFilesOf(argv), namespace: argv.namespace ?? 'default' },
        output: await resolveOutput(argv.output ?? 'tree'),
        outputFile: argv['output-file'],
        requireComplete: argv['require-complete'],
      },
      streams(),
    );
  },
};

// `export` before anything changes: the flags checked, the objects and guests planned, the dry run's text.

import { ClusterError, UsageError } from '../errors.ts';
import { buildGraph } from '../graph/index.ts';
import { Kinds } from '../model/kinds.ts';
import type { ObjectIndex } from '../model/object-index.ts';
import { describeRef, type ObjectRef } from '../model/object-ref.ts';
import { closure, planQuiesce, selectRoots, virtualMachinesOf, type QuiesceDecision } from './export-selection.ts';
import { MAX_PARALLEL, type ExportOptions } from './options.ts';

/** Flag combinations yargs cannot refuse by itself. @throws UsageError */
export function checkExportFlags(options: ExportOptions): void {
  if (options.withData && !options.export) throw new UsageError('--with-data needs --export (the data is downloaded from the VirtualMachineExport)');
  if (options.includeToken && !options.export) throw new UsageError('--include-token needs --export');
  if (options.allNamespaces && options.namespace !== undefined) throw new UsageError('--namespace and --all-namespaces cannot be combined');
  if (options.allNamespaces && options.names.length > 0) throw new UsageError('VM names cannot be combined with --all-namespaces');
  if (options.names.length > 0 && options.selector) throw new UsageError('give VM names or a label selector (-l), not both');
  if (options.unfreezeTimeoutSeconds <= 0) throw new UsageError("--unfreeze-timeout must be positive: 0 would disable the guest's safety thaw");
  if (options.resume && !options.withData) throw new UsageError('--resume needs --with-data (only volume data is resumed)');
  if (options.outputFile.startsWith('oci://')) throw new UsageError(`--output-file ${options.outputFile}: export writes a file or stdout; send it to a registry with: export --output-file - … | kubectl kvbackup push - ${options.outputFile}`);
  if (options.resume && options.outputFile === '-') throw new UsageError('--resume needs --output-file <path>: a stream to stdout cannot be continued');
  if (options.base !== undefined && !options.incremental) throw new UsageError('--base needs --incremental');
  if (options.incremental && options.resume) throw new UsageError('--incremental cannot be combined with --resume (an interrupted incremental run is followed by a full one)');
  if (!Number.isSafeInteger(options.parallel) || options.parallel < 1 || options.parallel > MAX_PARALLEL) throw new UsageError(`--parallel must be a whole number from 1 to ${MAX_PARALLEL}`);
}

/** One VM of the plan, and whether its guest is frozen (with --snapshot). */
export interface PlannedVm {
  vm: ObjectRef;
  quiesce: QuiesceDecision | undefined;
}

export interface ExportPlan {
  roots: ObjectRef[];
  /** Every object exported: the roots and what they need, present in the index, sorted. */
  refs: ObjectRef[];
  vms: PlannedVm[];
}

/**
 * What an export of `index` writes: the selected roots, their closure in the graph, and per VM the freeze decision.
 * @throws ClusterError when nothing matches, UsageError or ClusterError from the selection and `--quiesce always`.
 */
export function planExport(index: ObjectIndex, options: ExportOptions, namespace: string, labelled: ReadonlySet<string> | undefined): ExportPlan {
  const graph = buildGraph(index);
  const roots = selectRoots(graph, { names: options.names, namespace, labelled });
  if (roots.length === 0) {
    const where = options.allNamespaces ? 'in any namespace' : `in namespace ${namespace}`;
    throw new ClusterError(`nothing to export: no VirtualMachine, standalone VMI, replica set or pool ${where}${options.selector ? ` matches -l ${options.selector}` : ''}`);
  }
  const refs = closure(graph, roots).filter((ref) => index.has(ref));
  const vmRefs = virtualMachinesOf(refs, index);
  const decisions = options.snapshot ? planQuiesce(index, vmRefs, options.quiesce) : undefined;
  return { roots, refs, vms: vmRefs.map((vm, i) => ({ vm, quiesce: decisions?.[i] })) };
}

/** `--dry-run`: what the export would read, freeze and create, one line each. */
export function formatDryRun(plan: ExportPlan, options: ExportOptions, server: string | undefined): string {
  const { roots, refs, vms } = plan;
  const lines = [`dry run: nothing is changed on ${server ?? 'the cluster'}`, `roots (${roots.length}):`, ...roots.map((r) => `  ${describeRef(r)}`)];
  lines.push(`objects that would be exported (${refs.length}):`, ...refs.map((r) => `  ${describeRef(r)}`));
  if (options.snapshot) {
    lines.push(`guests that would be frozen (--quiesce ${options.quiesce}, unfreezeTimeout ${options.unfreezeTimeoutSeconds}s):`);
    for (const run of vms) lines.push(`  ${run.quiesce?.freeze ? 'freeze' : 'skip  '} ${describeRef({ ...Kinds.VirtualMachineInstance, namespace: run.vm.namespace, name: run.vm.name })}: ${run.quiesce?.reason ?? ''}`);
    lines.push(`VirtualMachineSnapshots that would be created (${vms.length}):`, ...vms.map((run) => `  ${run.vm.namespace}/${run.vm.name}`));
  }
  if (options.export) {
    lines.push(`VirtualMachineExports that would be created (${vms.length}, from ${options.snapshot ? 'the snapshots' : 'the VMs'}):`, ...vms.map((run) => `  ${run.vm.namespace}/${run.vm.name}`));
    if (options.withData) lines.push('volume data would be downloaded into the bundle (--with-data)');
  }
  return `${lines.join('\n')}\n`;
}

/** The names `name` picks from each VM, grouped by the VM's namespace (VMs without one are left out). */
export function namesByNamespace<T extends { vm: ObjectRef }>(vms: readonly T[], name: (run: T) => string | undefined): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const run of vms) {
    const value = name(run);
    if (!value) continue;
    const list = map.get(run.vm.namespace);
    if (list) list.push(value);
    else map.set(run.vm.namespace, [value]);
  }
  return map;
}

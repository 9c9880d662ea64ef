// Sections 1 and 3, on the local control plane: metadata-only export next to `kubectl get`, and volume data
// (`export --with-data`, scripts/bench/export-data-bench.ts) next to curl of the same volume.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_PLAN, NAMESPACED_PLAN } from '../../src/io/cluster/list.ts';
import { connect, controlPlaneEnvFile, parseEnvFile, type ControlPlane } from '../e2e/cluster.ts';
import { generateCluster } from '../generate-cluster.ts';
import type { BenchContext } from './context.ts';
import { benchExportData } from './export-data-bench.ts';
import { measure, measureInterleaved, median, type Measured } from './measure.ts';
import { mib, ratio, seconds, verdict, type Table } from './report.ts';
import { OBJECTS_PER_VM, vmNames } from './vm-set.ts';

/** Targets from issue 6. */
export const EXPORT_TARGETS = { ratioAt: 1000, ratio: 1.0 };

export async function benchCluster(ctx: BenchContext, section: 'export' | 'data', sizes: readonly number[]): Promise<Table> {
  // A metadata export needs only the apiserver; the data section needs the simulator's export server too.
  return section === 'export' ? benchExport(ctx, apiserverOnly(), sizes) : benchExportData(ctx, await connect());
}

/** The control plane from its env file, without asking the simulator whether it answers. */
function apiserverOnly(): Pick<ControlPlane, 'kubeconfig' | 'kubectl'> {
  const file = controlPlaneEnvFile();
  const env = parseEnvFile(readFileSync(file, 'utf8'));
  if (!env.KUBECONFIG || !env.KVB_CP_KUBECTL) throw new Error(`${file} names no KUBECONFIG or KVB_CP_KUBECTL: start the control plane (scripts/control-plane.sh up)`);
  return { kubeconfig: env.KUBECONFIG, kubectl: env.KVB_CP_KUBECTL };
}

/** Every kind the export lists that the cluster serves, as `kubectl get` names them (plural.group). */
async function listedKinds(kubectl: (...args: string[]) => string[]): Promise<string> {
  const served = new Set((await measure(kubectl('api-resources', '-o', 'name'), { captureStdout: true })).stdout.split('\n'));
  const names = [...NAMESPACED_PLAN, ...CLUSTER_PLAN].map(({ kind }) => (kind.group ? `${kind.plural}.${kind.group}` : kind.plural));
  return [...new Set(names)].filter((name) => served.has(name)).join(',');
}

async function benchExport(ctx: BenchContext, plane: Pick<ControlPlane, 'kubeconfig' | 'kubectl'>, sizes: readonly number[]): Promise<Table> {
  const kubectl = (...args: string[]) => [plane.kubectl, '--kubeconfig', plane.kubeconfig, '--cache-dir', join(ctx.workDir, 'kubectl-cache'), ...args];
  const kinds = await listedKinds(kubectl);
  ctx.log(`export: the floor lists ${kinds}`);
  const rows: string[][] = [];
  for (const vms of sizes) {
    const namespace = `kvb-bench-${vms}`;
    ctx.log(`export: making sure ${namespace} holds ${vms} settled VMs`);
    await generateCluster({ vms, namespace, seed: 'bench', kubeconfig: plane.kubeconfig, concurrency: 16, timeoutSeconds: 1800, log: ctx.log });
    const floorArgv = kubectl('get', kinds, '-n', namespace, '-o', 'json');
    const output = join(ctx.workDir, `export-${vms}.tar.gz`);
    const toolArgv = ctx.cli('export', '-n', namespace, '--kubeconfig', plane.kubeconfig, '--output-file', output, '--verbose');
    // One unmeasured run each: kubectl fills its discovery cache, both warm the apiserver's caches.
    const floorRequests = countKubectlRequests((await measure([...floorArgv, '-v=6'])).stderr);
    const toolRequests = countToolRequests((await measure(toolArgv)).stderr);
    await measure(ctx.cli('validate', '-f', output));
    ctx.log(`export: ${vms} VMs, ${ctx.runs} run(s) each of kubectl get and export`);
    const [floor, tool] = await measureInterleaved([floorArgv, toolArgv], ctx.runs);
    const floorMs = median((floor ?? []).map((m) => m.wallMs));
    const toolMs = median((tool ?? []).map((m) => m.wallMs));
    const rss = median((tool ?? []).map((m) => m.peakRssBytes));
    const floorRss = median((floor ?? []).map((m) => m.peakRssBytes));
    rows.push([
      String(vms),
      String(vms * OBJECTS_PER_VM),
      seconds(floorMs),
      seconds(toolMs),
      ratio(toolMs / floorMs),
      `${floorRequests.total} (${floorRequests.discovery} discovery) / ${toolRequests}`,
      `${mib(floorRss)} / ${mib(rss)}`,
      vms === EXPORT_TARGETS.ratioAt ? verdict(toolMs / floorMs <= EXPORT_TARGETS.ratio) : '',
    ]);
  }
  return {
    title: 'export, metadata only',
    columns: ['VMs', 'objects', 'kubectl get (s)', 'export (s)', 'ratio', 'API requests kubectl / export', 'peak RSS MiB kubectl / export', `target ≤ ${EXPORT_TARGETS.ratio}× at ${EXPORT_TARGETS.ratioAt}`],
    rows,
    notes: [
      `medians of ${ctx.runs} interleaved run(s); export: \`kubectl-kvbackup export -n NS --output-file O --verbose\`; floor: \`kubectl get KINDS -n NS -o json\` with the ${kinds.split(',').length} kinds export lists that the cluster serves, in one command, discovery cached`,
      'API requests: export counts its own (--verbose); kubectl\'s are counted from -v=6 in a separate run',
      'namespaces kvb-bench-N filled by scripts/generate-cluster.ts: 7 objects per VM, statuses as the simulator sets them',
    ],
  };
}

/** kubectl -v=6 logs one "Response" line per request. */
export function countKubectlRequests(stderr: string): { total: number; discovery: number } {
  const lines = stderr.split('\n').filter((line) => /"Response" verb="|\b(GET|POST|PUT|PATCH|DELETE) https?:\/\/\S+ \d{3}/.test(line));
  const discovery = lines.filter((line) => /\/(api|apis)(\/[^/]+\/[^/]+)?(\?[^ "]*)?["\s]/.test(line) || /openapi/.test(line)).length;
  return { total: lines.length, discovery };
}

/** export --verbose ends with "kvbackup: N API requests (R retries), …". */
export function countToolRequests(stderr: string): number {
  const match = /kvbackup: (\d+) API requests?/.exec(stderr);
  if (!match) throw new Error(`export --verbose did not report its API requests:\n${stderr.slice(-1000)}`);
  return Number(match[1]);
}

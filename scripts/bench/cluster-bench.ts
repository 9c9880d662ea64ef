// Sections 1 and 3, on the local control plane: metadata-only export next to `kubectl get`, and a volume download
// (`export --with-data`) next to curl of the same URL.

import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openBundle } from '../../src/io/tar/bundle-reader.ts';
import { CLUSTER_PLAN, NAMESPACED_PLAN } from '../../src/io/cluster/list.ts';
import { chooseVolumeSources } from '../../src/io/cluster/download.ts';
import { connect, controlPlaneEnvFile, parseEnvFile, type ControlPlane } from '../e2e/cluster.ts';
import { generateCluster } from '../generate-cluster.ts';
import type { BenchContext } from './context.ts';
import { measure, measureInterleaved, median, type Measured } from './measure.ts';
import { mib, ratio, seconds, verdict, type Table } from './report.ts';
import { OBJECTS_PER_VM, vmNames } from './vm-set.ts';

/** Targets from issue 6. */
export const EXPORT_TARGETS = { ratioAt: 1000, ratio: 1.0, dataRatio: 0.9 };
/** The volume the data section downloads: 1 GiB (the smoke run uses 1 MiB). */
const DATA_BYTES = { full: 1024 ** 3, smoke: 1024 ** 2 };

export async function benchCluster(ctx: BenchContext, section: 'export' | 'data', sizes: readonly number[]): Promise<Table> {
  // A metadata export needs only the apiserver; the data section needs the simulator's export server too.
  return section === 'export' ? benchExport(ctx, apiserverOnly(), sizes) : benchData(ctx, await connect());
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

async function benchData(ctx: BenchContext, plane: ControlPlane): Promise<Table> {
  const bytes = DATA_BYTES[ctx.smoke ? 'smoke' : 'full'];
  const namespace = `kvb-bench-data-${bytes}`;
  const vm = vmNames(1).vm;
  ctx.log(`data: making sure ${namespace} holds one VM with a ${mib(bytes)} MiB volume`);
  await generateCluster({ vms: 1, namespace, seed: 'bench', diskBytes: bytes, kubeconfig: plane.kubeconfig, concurrency: 1, timeoutSeconds: 300, log: ctx.log });

  // An export kept (with its token) for curl, deleted at the end; the tool's own runs make and delete theirs.
  const recordBundle = join(ctx.workDir, 'data-record.tar.gz');
  const common = [vm, '-n', namespace, '--kubeconfig', plane.kubeconfig, '--export'];
  await measure(ctx.cli('export', ...common, '--include-token', '--keep', '--output-file', recordBundle));
  const reader = await openBundle(createReadStream(recordBundle), { source: recordBundle });
  const record = (await reader.metadata()).exports[0];
  reader.close();
  const source = record ? chooseVolumeSources(record.links)[0] : undefined;
  if (!record?.token || !source) throw new Error('the kept export lists no volume to download');
  const curl = ['curl', '-fsS', '--cacert', plane.caFile, '-H', `x-kubevirt-export-token: ${record.token}`, '-o', '/dev/null', source.url];

  ctx.log(`data: ${ctx.runs} run(s) each of curl, export --with-data and the same export without data`);
  // A plain tar: the volume comes gzip-compressed already, and gzipping the bundle again would time our compressor.
  const exportArgv = (...extra: string[]) => ctx.cli('export', ...common, ...extra, '--no-gzip', '--output-file', '-');
  let results: Measured[][];
  try {
    results = await measureInterleaved([curl, exportArgv('--with-data'), exportArgv()], ctx.runs, [{}, { timeStdout: true }, {}]);
  } finally {
    const kubectl = [plane.kubectl, '--kubeconfig', plane.kubeconfig, '-n', namespace, 'delete', '--ignore-not-found'];
    await measure([...kubectl, 'virtualmachineexports.export.kubevirt.io', record.exportName]);
    if (record.tokenSecretRef) await measure([...kubectl, 'secret', record.tokenSecretRef.name]);
  }
  const [floor, withData, without] = results;
  const curlMs = median((floor ?? []).map((m) => m.wallMs));
  const dataMs = median((withData ?? []).map((m) => m.wallMs));
  const setupMs = median((without ?? []).map((m) => m.wallMs));
  // What the data costs the export: the same run without it creates, waits for and deletes the export as well.
  const downloadMs = Math.max(1, dataMs - setupMs);
  // A stream without Content-Length (gzip made on the fly) is spooled to disk first, then copied into the bundle:
  // the copy is the span between the first and the last byte of the bundle on stdout.
  const copyMs = median((withData ?? []).map((m) => (m.stdoutSpan ? m.stdoutSpan.lastMs - m.stdoutSpan.firstMs : 0)));
  const rss = median((withData ?? []).map((m) => m.peakRssBytes));
  const mibPerS = (ms: number) => (bytes / 1024 / 1024 / (ms / 1000)).toFixed(0);
  return {
    title: `export --with-data of one ${mib(bytes)} MiB volume (${source.format})`,
    columns: ['curl (s)', 'export --with-data (s)', 'same without data (s)', 'data = difference (s)', 'of which spool → bundle copy (s)', 'MiB/s curl / export', 'ratio', 'export peak RSS (MiB)', `target ≥ ${EXPORT_TARGETS.dataRatio}× curl`],
    rows: [[seconds(curlMs), seconds(dataMs), seconds(setupMs), seconds(downloadMs), seconds(copyMs), `${mibPerS(curlMs)} / ${mibPerS(downloadMs)}`, ratio(curlMs / downloadMs), mib(rss), verdict(curlMs / downloadMs >= EXPORT_TARGETS.dataRatio)]],
    notes: [
      `medians of ${ctx.runs} interleaved run(s); curl fetches the URL the export chooses (its preferred format) with the export token, to /dev/null`,
      'export: `kubectl-kvbackup export VM -n NS --export [--with-data] --no-gzip --output-file -` to /dev/null; each run creates the VirtualMachineExport, waits until it is Ready and deletes it, so the data\'s cost is the difference of the two',
    ],
  };
}

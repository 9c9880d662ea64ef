// End-to-end checks of the real node that `scripts/control-plane.sh up --with-node` adds (kubelet, containerd,
// kube-scheduler, the Job controllers): the tool's own image is reproducible and runs as a Job, also with
// hostNetwork against the apiserver on 127.0.0.1 as movers will, and the simulator's virt-launcher Pods stay off
// the node. Run by `npm run test:node`; it fails, not skips, without a node.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiRequest, connect, createNamespace, createObjects, deleteNamespace, eventually, kubeConfig, objectApi, type ControlPlane } from './cluster.ts';
import { condition, vmiRunning, vmWithDataVolume, waitFor, type Obj } from './fixtures.ts';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const IMAGE = `localhost/kubectl-kvbackup:${VERSION}`;

let plane: ControlPlane;
let kc: KubeConfig;
let ns: string;
let node: { name: string; taintKey: string; containerd: string };
let work: string;

before(async () => {
  plane = await connect();
  const { KVB_CP_NODE_NAME: name, KVB_CP_NODE_TAINT_KEY: taintKey, KVB_CP_CONTAINERD_ADDRESS: containerd } = plane.env;
  if (!name || !taintKey || !containerd) {
    throw new Error(`the control plane in ${plane.envFile} has no node: start it with "scripts/control-plane.sh up --with-node"`);
  }
  node = { name, taintKey, containerd };
  kc = kubeConfig(plane);
  ns = await createNamespace(kc, 'node');
  work = mkdtempSync(join(tmpdir(), 'kvbackup-node-e2e-'));
});

after(async () => {
  await deleteNamespace(kc, ns);
  rmSync(work, { recursive: true, force: true });
});

/** `npm run image` with the control plane's environment; returns the digest it prints. */
async function buildImage(out: string, ...flags: string[]): Promise<string> {
  const { stdout } = await run('bash', ['scripts/image.sh', '--out', out, ...flags], { cwd: REPO, env: { ...process.env, KVB_CP_STATE: plane.env.KVB_CP_STATE } });
  return stdout.trim();
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

const podsOf = async (selector: string): Promise<Obj[]> => {
  const r = await apiRequest(kc, 'GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`);
  assert.equal(r.status, 200, r.body.toString());
  return (JSON.parse(r.body.toString()) as { items: Obj[] }).items;
};

/**
 * Runs the tool's image with args as a one-try Job that tolerates the node's taint, and returns the Job once it
 * completed or failed, its Pod, and the Pod's log (read through the apiserver, which asks the kubelet).
 */
async function runToolJob(
  name: string,
  args: string[],
  extra: { hostNetwork?: boolean; volumes?: object[]; volumeMounts?: object[] } = {},
): Promise<{ job: Obj; pod: Obj; log: string }> {
  const container = { name: 'kvbackup', image: IMAGE, imagePullPolicy: 'Never', args, volumeMounts: extra.volumeMounts ?? [] };
  const podSpec = {
    restartPolicy: 'Never',
    hostNetwork: extra.hostNetwork ?? false,
    automountServiceAccountToken: false,
    tolerations: [{ key: node.taintKey, operator: 'Exists', effect: 'NoSchedule' }],
    volumes: extra.volumes ?? [],
    containers: [container],
  };
  await createObjects(kc, ns, [
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { backoffLimit: 0, template: { metadata: { labels: { job: name } }, spec: podSpec } } } as Obj,
  ]);
  const finished = (j: Obj) => condition(j, 'Complete')?.status === 'True' || condition(j, 'Failed')?.status === 'True';
  const job = await waitFor(kc, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: ns } }, 'Complete or Failed', finished, 90_000);
  const [pod] = await podsOf(`job=${name}`);
  assert.ok(pod, `Job ${name} made a Pod`);
  const log = await apiRequest(kc, 'GET', `/api/v1/namespaces/${ns}/pods/${pod.metadata?.name}/log`);
  assert.equal(log.status, 200, log.body.toString());
  return { job, pod, log: log.body.toString() };
}

describe('the real node', () => {
  it('is Ready and carries the taint that keeps other Pods off it', async () => {
    const n = await objectApi(kc).read<Obj>({ apiVersion: 'v1', kind: 'Node', metadata: { name: node.name } });
    assert.equal(condition(n, 'Ready')?.status, 'True');
    assert.deepEqual(
      (n.spec.taints as { key: string; effect: string }[]).map((t) => `${t.key}:${t.effect}`),
      [`${node.taintKey}:NoSchedule`],
    );
  });

  it("builds the tool's image reproducibly and imports it into the node's containerd", { timeout: 300_000 }, async () => {
    const first = await buildImage(join(work, 'first.tar'), '--no-import');
    const second = await buildImage(join(work, 'second.tar'));
    assert.match(first, /^sha256:[0-9a-f]{64}$/);
    assert.equal(second, first, 'two builds of one executable give one digest');
    assert.equal(sha256(join(work, 'second.tar')), sha256(join(work, 'first.tar')), 'and byte-identical archives');
    const { stdout } = await run('ctr', ['--address', node.containerd, '--namespace', 'k8s.io', 'images', 'list', `name==${IMAGE}`]);
    assert.match(stdout, new RegExp(`^${IMAGE.replaceAll('.', '\\.')}\\s+\\S+\\s+${first}\\s`, 'm'), stdout);
  });

  it("runs the tool's image as a Job on the node: `kubectl-kvbackup version` completes", { timeout: 120_000 }, async () => {
    const { job, pod, log } = await runToolJob('version', ['version', '-o', 'json']);
    assert.equal(condition(job, 'Complete')?.status, 'True', `Job failed: ${JSON.stringify(pod.status)} ${log}`);
    assert.equal(pod.spec.nodeName, node.name);
    // Not hostNetwork: the address comes from the node's own bridge network.
    assert.match(pod.status.podIP, /^10\.241\.0\.\d+$/);
    // The log travels apiserver → kubelet → containerd.
    const printed = JSON.parse(log) as { tool: string; version: string };
    assert.deepEqual([printed.tool, printed.version], ['kubectl-kvbackup', VERSION]);
  });

  it("keeps the simulator's virt-launcher Pods off the node", { timeout: 120_000 }, async () => {
    await createObjects(kc, ns, [vmWithDataVolume('vm1')]);
    const vmi = await vmiRunning(kc, ns, 'vm1');
    const launcher = await eventually('the virt-launcher Pod to be found unschedulable', async () => {
      const [pod] = await podsOf(`kubevirt.io/created-by=${vmi.metadata?.uid}`);
      return pod && condition(pod, 'PodScheduled')?.reason === 'Unschedulable' ? pod : undefined;
    }, 60_000);
    assert.equal(launcher.spec.nodeName, undefined);
    // The node's only taint is the tool's (first test).
    assert.match(condition(launcher, 'PodScheduled')?.message ?? '', /1 node\(s\) had untolerated taint/);
  });

  it('lets a hostNetwork Job of the image reach the apiserver on 127.0.0.1: `graph` reads the namespace', { timeout: 120_000 }, async () => {
    // Runs after the test above, which created vm1 in the namespace.
    await createObjects(kc, ns, [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kubeconfig' }, stringData: { kubeconfig: readFileSync(plane.kubeconfig, 'utf8') } } as Obj,
    ]);
    const { job, log } = await runToolJob('graph', ['graph', '-n', ns, '-o', 'json', '--kubeconfig', '/etc/kvbackup/kubeconfig'], {
      hostNetwork: true,
      volumes: [{ name: 'kubeconfig', secret: { secretName: 'kubeconfig' } }],
      volumeMounts: [{ name: 'kubeconfig', mountPath: '/etc/kvbackup', readOnly: true }],
    });
    assert.equal(condition(job, 'Complete')?.status, 'True', `Job failed: ${log}`);
    const graph = JSON.parse(log) as { nodes: { kind: string; namespace: string; name: string }[] };
    assert.ok(graph.nodes.some((n) => n.kind === 'VirtualMachine' && n.namespace === ns && n.name === 'vm1'), log);
  });
});

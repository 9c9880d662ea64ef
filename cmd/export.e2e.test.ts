// End-to-end: `export` against the real apiserver with the KubeVirt/CDI simulator (scripts/control-plane.sh up).

import { gunzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildGraph, graphRoots, missingRequired } from '../src/graph/index.ts';
import { closure } from '../src/app/export-selection.ts';
import type { KubeObject } from '../src/model/kube-object.ts';
import { Kinds } from '../src/model/kinds.ts';
import { ObjectIndex } from '../src/model/object-index.ts';
import { describeRef, refKey } from '../src/model/object-ref.ts';
import { startFaultProxy } from '../src/testing/fault-proxy.ts';
import { apiRequest, createObjects, eventually, listNames } from '../scripts/e2e/cluster.ts';
import { condition, E2eSession, type Obj, waitFor } from '../scripts/e2e/fixtures.ts';
import { freezeRecord, simAnnotations } from '../scripts/e2e/simulator.ts';
import { runCli, startCli } from '../src/testing/run-cli.ts';
import { loadPeerManifest, peerManifestFiles } from '../src/testing/peer-manifests.ts';
import { readWholeBundle } from '../src/testing/read-bundle.ts';

// The namespaces are left for post-mortem; `scripts/control-plane.sh down` removes everything.
const session = new E2eSession('kvb-export-e2e-', { keepNamespaces: true });
const { work } = session;
const cli = (args: readonly string[]) => runCli(args, { offline: false });

/** A fresh namespace per test, so tests never see each other's objects. */
const namespace = (prefix: string) => session.freshNamespace(prefix);
/** Objects created once each; cluster-scoped ones another test made are kept. */
const create = (ns: string, objects: readonly KubeObject[]) => createObjects(session.kc, ns, objects, { keepExisting: true });

/** `-v` prints `kvbackup: N API requests (…)`: N. */
function requestCount(stderr: string): number {
  const match = /kvbackup: (\d+) API requests?/.exec(stderr);
  if (!match) throw new Error(`no request count in: ${stderr}`);
  return Number(match[1]);
}

async function readBundle(path: string) {
  const { metadata, data } = await readWholeBundle(createReadStream(path), path);
  return { ...metadata, data };
}

/** A running VM with one DataVolume disk; `annotations` carries the simulator's fault switches. */
function runningVm(name: string, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, annotations },
    spec: {
      runStrategy: 'Always',
      dataVolumeTemplates: [{ metadata: { name: `${name}-disk`, annotations: simAnnotations({ diskSize: 65536 }) }, spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } } }],
      template: {
        spec: {
          domain: { devices: { disks: [{ name: 'disk', disk: {} }] }, resources: { requests: { memory: '64Mi' } } },
          volumes: [{ name: 'disk', dataVolume: { name: `${name}-disk` } }],
        },
      },
    },
  };
}

async function agentConnected(ns: string, name: string): Promise<void> {
  const vmi: Obj = { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', metadata: { name, namespace: ns } };
  await waitFor(session.kc, vmi, 'running with its agent connected', (o) => condition(o, 'AgentConnected')?.status === 'True');
}

/** Asserts every freeze of `ns` was followed by a thaw and nothing in `ns` is frozen now. */
async function assertAllThawed(ns: string): Promise<void> {
  const record = await eventually(`every guest in ${ns} thawed`, async () => {
    const current = await freezeRecord(session.plane);
    return current.frozen.some((key) => key.startsWith(`${ns}/`)) ? undefined : current;
  }, 5_000);
  const mine = record.calls.filter((call) => call.namespace === ns && call.code < 300);
  for (const freeze of mine.filter((call) => call.op === 'freeze')) {
    assert.ok(freeze.unfreezeTimeout && freeze.unfreezeTimeout !== '0s', `freeze of ${freeze.name} without an unfreezeTimeout`);
  }
}

async function assertNothingLeft(ns: string): Promise<void> {
  await eventually(`no snapshot, export or token Secret left in ${ns}`, async () => {
    const snapshots = await listNames(session.kc, Kinds.VirtualMachineSnapshot, ns);
    const exports = await listNames(session.kc, Kinds.VirtualMachineExport, ns);
    const secrets = (await listNames(session.kc, Kinds.Secret, ns)).filter((name) => name.startsWith('kvbackup-'));
    return snapshots.length + exports.length + secrets.length === 0 ? true : undefined;
  }, 10_000);
}

describe('export of each peer-manifest scenario', () => {
  const files = peerManifestFiles();
  const dependencies = ['accessCredentialsSecret.yaml', 'blank_datavolume.yaml', 'configmap.yaml', 'dv_for_pvc.yaml', 'instancetype.yaml', 'preference.yaml', 'secret.yaml', 'cluster-instancetype.yaml', 'cluster-preference.yaml'];
  const scenarios = files.filter((file) => /^vmi?_/.test(file));
  assert.ok(scenarios.length >= 8);
  for (const file of scenarios) {
    it(`${file}: the bundle holds the complete graph`, async () => {
      const ns = await namespace('scenario');
      const objects = [...dependencies.filter((d) => files.includes(d)), file].flatMap((f) => loadPeerManifest(f, ns));
      await create(ns, objects);
      // What the offline graph of the same manifests reaches from the scenario's roots.
      const offline = buildGraph(ObjectIndex.of(objects));
      const offlineIndex = ObjectIndex.of(objects);
      const expected = closure(offline, graphRoots(offline).filter((root) => root.namespace === ns)).filter((ref) => offlineIndex.has(ref));
      const roots = graphRoots(offline).filter((root) => root.namespace === ns);
      await eventually('the simulator to reconcile', async () => ((await listNames(session.kc, Kinds.PersistentVolumeClaim, ns)).length > 0 || !objects.some((o) => o.kind === 'DataVolume') ? true : undefined));
      const output = join(work, `${file}.kvb`);
      const result = await cli(['export', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '--output-file', output, '-v=1', ...roots.map((r) => r.name)]);
      assert.equal(result.code, 0, result.stderr);
      const bundle = await readBundle(output);
      const exported = new Set(bundle.refs.map(refKey));
      for (const ref of expected) assert.ok(exported.has(refKey(ref)), `${describeRef(ref)} missing from the bundle`);
      assert.deepEqual(missingRequired(bundle.graph).map((m) => describeRef(m)), []);
      assert.equal(bundle.header.source?.server, session.kc.getCurrentCluster()?.server);
      assert.ok(bundle.header.source?.kubernetesVersion);
      assert.deepEqual(bundle.header.selection.namespaces, [ns]);

      // `graph` against the cluster and `graph -f` of the bundle come from the same pure code: every dependency the
      // bundle's objects give is one the live namespace gives (reasons may differ: export copies revision names
      // from status into spec).
      const live = await cli(['graph', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '-o', 'json']);
      assert.equal(live.code, 0, live.stderr);
      const fromBundle = await cli(['graph', '-f', output, '-o', 'json']);
      assert.equal(fromBundle.code, 0, fromBundle.stderr);
      const edgeKeys = (json: Buffer) => new Set((JSON.parse(json.toString()) as { edges: { from: never; to: never; reason: string }[] }).edges.map((e) => `${refKey(e.from)} → ${refKey(e.to)}`));
      const liveEdges = edgeKeys(live.stdout);
      for (const edge of edgeKeys(fromBundle.stdout)) assert.ok(liveEdges.has(edge), `edge ${edge} of the bundle is not in the live graph`);
    });
  }
});

describe('quiesce, snapshot, export', () => {
  it('freezes a guest with a connected agent, snapshots it, thaws it and records how', async () => {
    const ns = await namespace('quiesce');
    await create(ns, [runningVm('vm1')]);
    await agentConnected(ns, 'vm1');
    const output = join(work, 'quiesced.kvb');
    const result = await cli(['export', 'vm1', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '--snapshot', '--export', '--output-file', output, '-v=1']);
    assert.equal(result.code, 0, result.stderr);
    const bundle = await readBundle(output);
    const vm = bundle.objects.find((o) => o.object.kind === 'VirtualMachine')?.object;
    assert.equal(vm?.metadata.annotations?.['kubectl-kvbackup/quiesced'], 'true');
    assert.match(vm?.metadata.annotations?.['kubectl-kvbackup/source-indications'] ?? '', /GuestAgent/);
    const record = bundle.exports[0];
    assert.equal(record?.source?.kind, 'VirtualMachineSnapshot');
    assert.ok(record?.links.internal?.volumes.length);
    assert.ok(record?.links.internal?.cert);
    assert.equal(record?.token, undefined);
    const calls = (await freezeRecord(session.plane)).calls.filter((c) => c.namespace === ns && c.via === 'api');
    assert.deepEqual(calls.map((c) => c.op), ['freeze', 'unfreeze']);
    await assertAllThawed(ns);
    await assertNothingLeft(ns);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const ns = await namespace('dryrun');
    await create(ns, [runningVm('vm1')]);
    await agentConnected(ns, 'vm1');
    const result = await cli(['export', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '--snapshot', '--export', '--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.toString(), /freeze VirtualMachineInstance\.kubevirt\.io .*\/vm1: running with a connected guest agent/);
    assert.deepEqual((await freezeRecord(session.plane)).calls.filter((c) => c.namespace === ns), []);
    assert.deepEqual(await listNames(session.kc, Kinds.VirtualMachineSnapshot, ns), []);
  });

  it('snapshot failure: exit 3, every guest thawed, nothing left behind, no bundle', async () => {
    const ns = await namespace('snapfail');
    await create(ns, [runningVm('good'), runningVm('bad', simAnnotations({ fail: ['snapshot'] }))]);
    await agentConnected(ns, 'good');
    await agentConnected(ns, 'bad');
    const output = join(work, 'snapfail.kvb');
    const result = await cli(['export', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '--snapshot', '--output-file', output]);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /snapshot failed for 1 of 2 VMs/);
    assert.throws(() => readFileSync(output));
    await assertAllThawed(ns);
    await assertNothingLeft(ns);
  });

  it('export never Ready: exit 3 after --export-timeout, nothing left behind', async () => {
    const ns = await namespace('exportstall');
    const vm = runningVm('vm1', simAnnotations({ stall: ['export'] }));
    (vm.spec as { runStrategy: string }).runStrategy = 'Halted';
    await create(ns, [vm]);
    const result = await cli(['export', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '--export', '--export-timeout', '3', '--output-file', join(work, 'stall.kvb')]);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /timed out waiting for 1 VirtualMachineExport/);
    assert.throws(() => readFileSync(join(work, 'stall.kvb')));
    await assertAllThawed(ns);
    await assertNothingLeft(ns);
  });

  it('SIGINT mid-snapshot: thaws, deletes, and dies by SIGINT', async () => {
    const ns = await namespace('sigint');
    await create(ns, [runningVm('vm1', simAnnotations({ stall: ['snapshot'] }))]);
    await agentConnected(ns, 'vm1');
    const run = startCli(['export', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '--snapshot', '--output-file', join(work, 'sigint.kvb')], { offline: false });
    await eventually('the guest to be frozen', async () => ((await freezeRecord(session.plane)).frozen.includes(`${ns}/vm1`) ? true : undefined));
    await eventually('the snapshot to exist', async () => ((await listNames(session.kc, Kinds.VirtualMachineSnapshot, ns)).length > 0 ? true : undefined));
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.equal(result.signal, 'SIGINT', result.stderr);
    await assertAllThawed(ns);
    await assertNothingLeft(ns);
  });

  it('kill -9 while frozen: the unfreezeTimeout thaws the guest', async () => {
    const ns = await namespace('kill9');
    await create(ns, [runningVm('vm1', simAnnotations({ stall: ['snapshot'] }))]);
    await agentConnected(ns, 'vm1');
    const run = startCli(['export', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '--snapshot', '--unfreeze-timeout', '3', '--output-file', join(work, 'kill.kvb')], { offline: false });
    await eventually('the guest to be frozen', async () => ((await freezeRecord(session.plane)).frozen.includes(`${ns}/vm1`) ? true : undefined));
    run.child.kill('SIGKILL');
    await run.done;
    await eventually('the timer to thaw the guest', async () => ((await freezeRecord(session.plane)).frozen.includes(`${ns}/vm1`) ? undefined : true), 15_000);
    const thaws = (await freezeRecord(session.plane)).calls.filter((c) => c.namespace === ns && c.op === 'unfreeze');
    assert.ok(thaws.some((c) => c.via === 'timer'), JSON.stringify(thaws));
  });

  it('apiserver 5xx burst: retried, the export succeeds, every guest thawed', async () => {
    const ns = await namespace('burst');
    await create(ns, [runningVm('vm1')]);
    await agentConnected(ns, 'vm1');
    // Every request to the namespace fails twice in a row (503) before one gets through, freeze and thaw included.
    const failures = new Map<string, number>();
    const proxy = await startFaultProxy(session.plane.kubeconfig, (_method, path) => {
      if (!path.includes(`/namespaces/${ns}/`)) return undefined;
      const key = path.split('?')[0] as string;
      const count = (failures.get(key) ?? 0) + 1;
      failures.set(key, count);
      return count % 3 === 0 ? undefined : 503;
    });
    try {
      const kubeconfig = join(work, 'proxy.kubeconfig');
      writeFileSync(kubeconfig, proxy.kubeconfig);
      const output = join(work, 'burst.kvb');
      const result = await cli(['export', 'vm1', '-n', ns, '--kubeconfig', kubeconfig, '--snapshot', '--export', '--output-file', output, '-v=1']);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(proxy.injected.some((line) => line.includes('/freeze')), 'no fault was injected into the freeze');
      assert.match(result.stderr, /retrying/);
      assert.equal((await readBundle(output)).exports.length, 1);
    } finally {
      await proxy.close();
    }
    await assertAllThawed(ns);
    await assertNothingLeft(ns);
  });
});

describe('request count', () => {
  it('is the same for 10 and 200 VMs in one namespace', async () => {
    const counts: number[] = [];
    for (const size of [10, 200]) {
      const ns = await namespace(`count${size}`);
      const vms = Array.from({ length: size }, (_, i): KubeObject => ({
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachine',
        metadata: { name: `vm-${i}` },
        spec: { runStrategy: 'Halted', template: { spec: { domain: { devices: {} }, volumes: [{ name: 'cfg', configMap: { name: 'shared' } }] } } },
      }));
      await create(ns, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' } }, ...vms]);
      const output = join(work, `count${size}.kvb`);
      const result = await cli(['export', '-n', ns, '--kubeconfig', session.plane.kubeconfig, '--output-file', output, '-v=1']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal((await readBundle(output)).objects.filter((o) => o.object.kind === 'VirtualMachine').length, size);
      counts.push(requestCount(result.stderr));
    }
    process.stderr.write(`request count: 10 VMs → ${counts[0]}, 200 VMs → ${counts[1]}\n`);
    assert.equal(counts[0], counts[1]);
  });
});

describe('RBAC', () => {
  it('exports (quiesce, snapshot, export) with a token bound to exactly the shipped role', async () => {
    const ns = await namespace('rbac');
    await create(ns, [runningVm('vm1')]);
    await agentConnected(ns, 'vm1');
    const role = JSON.parse((await cli(['rbac', '-o', 'json'])).stdout.toString()) as KubeObject;
    role.metadata.name = `kvbackup-export-${ns}`;
    await create(ns, [
      role,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'backup' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'backup' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
        subjects: [{ kind: 'ServiceAccount', name: 'backup', namespace: ns }],
      } as KubeObject,
    ]);
    const requested = await apiRequest(session.kc, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts/backup/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 600 },
    });
    assert.equal(requested.status, 201, requested.body.toString());
    const token = JSON.parse(requested.body.toString()) as { status: { token: string } };
    const admin = JSON.parse(JSON.stringify((await import('yaml')).parse(readFileSync(session.plane.kubeconfig, 'utf8')))) as { clusters: { cluster: Record<string, string> }[] };
    const cluster = admin.clusters[0]?.cluster ?? {};
    const kubeconfig = join(work, 'rbac.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster }],
        users: [{ name: 'backup', user: { token: token.status.token } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'backup', namespace: ns } }],
        'current-context': 'c',
      }),
    );
    const output = join(work, 'rbac.kvb');
    const result = await cli(['export', '--kubeconfig', kubeconfig, '--snapshot', '--export', '--output-file', output]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await readBundle(output)).exports.length, 1);
    await assertAllThawed(ns);
    await assertNothingLeft(ns);
    // And without the role, the message names the missing permission.
    const denied = await cli(['export', '--kubeconfig', kubeconfig, '-n', 'default']);
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /missing permission: verb "list"/);
  });
});

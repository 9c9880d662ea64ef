// End-to-end: every object of the KubeVirt Velero plugin's test manifests
// (../shared/peer/kubevirt-velero-plugin/manifests, {{KVP_STORAGE_CLASS}}
// filled) is accepted by the real apiserver with the real KubeVirt/CDI CRD
// schemas and reads back as written; the simulator then brings the VMs up.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  connect,
  createNamespace,
  createObjects,
  deleteNamespace,
  isNamespaced,
  kubeConfig,
  objectApi,
  readObject,
  type ControlPlane,
} from './cluster.ts';
import { peerManifestFiles, peerManifestObjects } from '../../src/testing/peer-manifests.ts';
import { condition, waitFor, type Obj } from './fixtures.ts';

let plane: ControlPlane;
let kc: KubeConfig;
const namespaces: string[] = [];
const clusterObjects: KubernetesObject[] = [];
// Cluster-scoped names are shared by every test run on this control plane.
const runSuffix = `-${process.pid}`;

before(async () => {
  plane = await connect();
  kc = kubeConfig(plane);
});

after(async () => {
  for (const o of clusterObjects) await objectApi(kc).delete(o).catch(() => undefined);
  for (const ns of namespaces) await deleteNamespace(kc, ns);
});

/** The manifest's objects, cluster-scoped ones (and references to them) renamed with the run's suffix. */
async function objectsOf(file: string, suffix: string): Promise<KubernetesObject[]> {
  const objects = peerManifestObjects(file, plane.storageClass) as Obj[];
  for (const o of objects) {
    if (!(await isNamespaced(kc, o))) o.metadata = { ...o.metadata, name: `${o.metadata?.name}${suffix}` };
    for (const ref of [o.spec?.instancetype, o.spec?.preference]) {
      if (ref && /^VirtualMachineCluster/i.test(ref.kind ?? 'VirtualMachineCluster')) ref.name += suffix;
    }
  }
  return objects;
}

/** Asserts every field of `expected` is in `actual` with the same value (the server may add more). */
function assertContains(actual: unknown, expected: unknown, path: string): void {
  if (expected === null) return; // e.g. creationTimestamp: null in templates, dropped by the server
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected a list`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertContains(actual[i], e, `${path}[${i}]`));
  } else if (typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object', `${path}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [k, v] of Object.entries(expected)) assertContains((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    assert.equal(actual, expected, path);
  }
}

describe('peer manifests on the real apiserver', () => {
  const files = peerManifestFiles();

  it('covers every manifest file', () => {
    assert.ok(files.length >= 18, `found ${files.length} manifest files`);
  });

  for (const file of files) {
    it(`creates and reads back ${file}`, async () => {
      const ns = await createNamespace(kc, 'peer');
      namespaces.push(ns);
      const objects = await objectsOf(file, runSuffix);
      assert.ok(objects.length > 0, 'the manifest has objects');
      const created = await createObjects(kc, ns, objects);
      for (const [i, sent] of objects.entries()) {
        const back = (await readObject(kc, created[i] as KubernetesObject)) as Obj;
        if (!back.metadata?.namespace) clusterObjects.push(back);
        assert.equal(back.kind, sent.kind);
        const { stringData, ...rest } = sent as Obj;
        assertContains(back, { ...rest, metadata: { ...sent.metadata, namespace: back.metadata?.namespace } }, `${file}:${sent.kind}`);
        for (const [k, v] of Object.entries((stringData ?? {}) as Record<string, string>)) {
          assert.equal(Buffer.from(back.data?.[k] ?? '', 'base64').toString(), v, `${file}: Secret stringData.${k}`);
        }
      }
    });
  }

  it('brings the VMs with instancetypes and preferences up as KubeVirt would', async () => {
    for (const [kind, files] of [
      ['namespaced', ['instancetype.yaml', 'preference.yaml', 'vm_with_instancetype_and_preference.yaml']],
      ['cluster', ['cluster-instancetype.yaml', 'cluster-preference.yaml', 'vm_with_clusterinstancetype_and_clusterpreference.yaml']],
    ] as const) {
      const ns = await createNamespace(kc, `peer-${kind}`);
      namespaces.push(ns);
      const objects = (await Promise.all(files.map((f) => objectsOf(f, `${runSuffix}-${kind}`)))).flat() as Obj[];
      const created = await createObjects(kc, ns, objects);
      for (const o of created) if (!o.metadata?.namespace) clusterObjects.push(o);
      const vm = objects.find((o) => o.kind === 'VirtualMachine') as Obj;
      const ref = { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name: vm.metadata?.name, namespace: ns } };
      const ready = await waitFor(kc, ref, 'ready', (o) => o.status?.printableStatus === 'Running' && o.status?.ready === true);
      assert.equal(condition(ready, 'AgentConnected')?.status, 'True');
      for (const field of ['instancetypeRef', 'preferenceRef'] as const) {
        const revision = ready.status?.[field]?.controllerRevisionRef?.name as string;
        assert.ok(revision, `${kind}: status.${field}.controllerRevisionRef.name is set`);
        const cr = (await readObject(kc, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: revision, namespace: ns } })) as Obj;
        assert.equal(cr.data?.kind, ready.status[field].kind);
        assert.equal(cr.metadata?.labels?.['instancetype.kubevirt.io/object-name'], ready.status[field].name);
        assert.equal(cr.metadata?.ownerReferences?.[0]?.uid, ready.metadata?.uid);
      }
      const vmi = (await readObject(kc, { ...ref, kind: 'VirtualMachineInstance' })) as Obj;
      assert.equal(vmi.metadata?.ownerReferences?.[0]?.uid, ready.metadata?.uid);
      const pods = await objectApi(kc).list('v1', 'Pod', ns, undefined, undefined, undefined, undefined, `kubevirt.io/created-by=${vmi.metadata?.uid}`);
      assert.equal(pods.items.length, 1, 'one virt-launcher pod');
      const dv = await waitFor(kc, { apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', metadata: { name: 'test-dv', namespace: ns } }, 'Succeeded', (o) => o.status?.phase === 'Succeeded');
      const pvc = (await readObject(kc, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'test-dv', namespace: ns } })) as Obj;
      assert.equal(pvc.status?.phase, 'Bound');
      assert.equal(pvc.metadata?.ownerReferences?.[0]?.uid, dv.metadata?.uid);
    }
  });
});

// The kind registry against the real control plane: every kind's scope, plural and versions match the CRDs generated
// from KubeVirt's, CDI's and the CSI snapshotter's Go code, and the built-in kinds match the apiserver's discovery.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { KNOWN_KINDS, kindName, type KindInfo } from '../../src/model/kinds.ts';
import { apiRequest, connect, kubeConfig } from './cluster.ts';

interface Crd {
  spec: { group: string; scope: 'Namespaced' | 'Cluster'; names: { kind: string; plural: string }; versions: { name: string; served: boolean }[] };
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

let kc: KubeConfig;
let crds: Crd[];

async function getJson<T>(path: string): Promise<T> {
  const response = await apiRequest(kc, 'GET', path);
  assert.equal(response.status, 200, `GET ${path}: ${response.body.toString()}`);
  return JSON.parse(response.body.toString()) as T;
}

before(async () => {
  kc = kubeConfig(await connect());
  crds = (await getJson<{ items: Crd[] }>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).items;
});

/** Kinds that neither a generated CRD nor the built-in API serves on the control plane: Multus is not installed. */
const NOT_ON_THE_CONTROL_PLANE = ['NetworkAttachmentDefinition.k8s.cni.cncf.io'];

describe('the kind registry against the control plane', () => {
  it('finds the generated KubeVirt, CDI and snapshot CRDs', () => {
    assert.ok(crds.length >= 30, `${crds.length} CRDs`);
  });

  it('registers every generated CRD with its scope, plural and served versions', () => {
    for (const crd of crds) {
      const { group, names, scope, versions } = crd.spec;
      const info = KNOWN_KINDS.find((kind) => kind.group === group && kind.kind === names.kind);
      assert.ok(info, `CRD ${names.kind}.${group} is not in the kind registry`);
      assert.equal(info.clusterScoped, scope === 'Cluster', `${kindName(info)}: scope ${scope}`);
      assert.equal(info.plural, names.plural, kindName(info));
      const served = versions.filter((version) => version.served).map((version) => version.name).sort();
      assert.deepEqual([...info.versions].sort(), served, `${kindName(info)}: served versions`);
    }
  });

  it('every registered kind is served, by a CRD or built in, with the registered scope and plural', async () => {
    const unchecked: string[] = [];
    const discovery = new Map<string, ApiResourceList>();
    for (const info of KNOWN_KINDS) {
      if (crds.some((crd) => crd.spec.group === info.group && crd.spec.names.kind === info.kind)) continue;
      if (NOT_ON_THE_CONTROL_PLANE.includes(kindName(info))) {
        unchecked.push(kindName(info));
        continue;
      }
      const path = builtInPath(info);
      let list = discovery.get(path);
      if (!list) {
        list = await getJson<ApiResourceList>(path);
        discovery.set(path, list);
      }
      const resource = list.resources.find((item) => item.kind === info.kind && !item.name.includes('/'));
      assert.ok(resource, `${kindName(info)} is served neither by a CRD nor by ${path}`);
      assert.equal(resource.namespaced, !info.clusterScoped, `${kindName(info)}: namespaced`);
      assert.equal(resource.name, info.plural, kindName(info));
    }
    assert.deepEqual(unchecked, NOT_ON_THE_CONTROL_PLANE);
  });
});

function builtInPath(info: KindInfo): string {
  return info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
}

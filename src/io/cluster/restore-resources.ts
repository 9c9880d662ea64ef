// The REST resource of any kind restore meets: known kinds from the model, others from the apiserver's discovery.

import { ClusterError } from '../../errors.ts';
import { kindInfo } from '../../model/kinds.ts';
import { groupOf } from '../../model/kube-object.ts';
import type { ClusterClient } from './client.ts';
import type { ResourceTarget, Verb } from './resource.ts';

interface Resource {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** Resolves kinds to resources, asking discovery once per apiVersion for kinds outside the model. */
export class ResourceResolver {
  readonly #client: ClusterClient;
  readonly #discovered = new Map<string, Promise<ApiResourceList | undefined>>();

  constructor(client: ClusterClient) {
    this.#client = client;
  }

  /** @throws ClusterError when the cluster does not serve the kind (its CRD is not installed). */
  async resolve(apiVersion: string, kind: string): Promise<Resource> {
    const group = groupOf(apiVersion);
    const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
    const info = kindInfo(group, kind);
    // A registered kind's plural and scope come from the registry, for every version the API serves.
    if (info && info.versions.includes(version)) return { group, version, plural: info.plural, namespaced: !info.clusterScoped };
    let list = this.#discovered.get(apiVersion);
    if (!list) {
      list = this.#client.getPath<ApiResourceList>(group === '' ? `/api/${version}` : `/apis/${group}/${version}`);
      this.#discovered.set(apiVersion, list);
    }
    const found = (await list)?.resources?.find((resource) => resource.kind === kind && !resource.name.includes('/'));
    if (!found) throw new ClusterError(`the cluster does not serve ${kind} ${apiVersion} (is its CRD installed?)`);
    return { group, version, plural: found.name, namespaced: found.namespaced };
  }

  /** The request target for `verb` on one object. */
  async target(apiVersion: string, kind: string, verb: Verb, namespace: string | undefined, name?: string): Promise<ResourceTarget> {
    const resource = await this.resolve(apiVersion, kind);
    return { verb, group: resource.group, version: resource.version, resource: resource.plural, namespace: resource.namespaced ? namespace : undefined, name };
  }
}

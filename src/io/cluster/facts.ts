// Facts about the source cluster for the bundle header: server URL, Kubernetes, KubeVirt and CDI versions.

import type { SourceCluster } from '../../bundle/documents.ts';
import { getString } from '../../model/kube-object.ts';
import type { ClusterClient } from './client.ts';
import { targetOf, type ResourceTarget } from './resource.ts';

// The operators' own CRs, read only here for their versions (the registry gives export the verbs to list them).
const KUBEVIRT_CRS: ResourceTarget = targetOf('kubevirt.io', 'KubeVirt', 'list');
const CDI_CRS: ResourceTarget = targetOf('cdi.kubevirt.io', 'CDI', 'list');

/**
 * Reads the facts; each one is optional, so a missing permission or operator leaves it out rather than failing the
 * export. KubeVirt's version comes from the KubeVirt CR's `status.observedKubeVirtVersion`, else from virt-api's
 * `/apis/subresources.kubevirt.io/v1/version`; CDI's from the CDI CR's `status.observedVersion`.
 */
export async function readClusterFacts(client: ClusterClient, signal?: AbortSignal): Promise<SourceCluster> {
  const [kubernetes, kubevirtCr, cdiCr] = await Promise.all([
    optional(() => client.getPath<{ gitVersion?: string }>('/version')),
    optional(() => client.send({ target: KUBEVIRT_CRS, signal })),
    optional(() => client.send({ target: CDI_CRS, signal })),
  ]);
  let kubevirtVersion = firstItemField(kubevirtCr?.status === 200 ? kubevirtCr.body : undefined, 'observedKubeVirtVersion');
  if (!kubevirtVersion) {
    const virtApi = await optional(() => client.getPath<{ gitVersion?: string }>('/apis/subresources.kubevirt.io/v1/version'));
    kubevirtVersion = virtApi?.gitVersion;
  }
  const facts: SourceCluster = { server: client.server };
  if (kubernetes?.gitVersion) facts.kubernetesVersion = kubernetes.gitVersion;
  if (kubevirtVersion) facts.kubevirtVersion = kubevirtVersion;
  const cdiVersion = firstItemField(cdiCr?.status === 200 ? cdiCr.body : undefined, 'observedVersion');
  if (cdiVersion) facts.cdiVersion = cdiVersion;
  return facts;
}

function firstItemField(list: unknown, field: string): string | undefined {
  const items = (list as { items?: unknown[] } | undefined)?.items ?? [];
  for (const item of items) {
    const value = getString(item, 'status', field);
    if (value) return value;
  }
  return undefined;
}

async function optional<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

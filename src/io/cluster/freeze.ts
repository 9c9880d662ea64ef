// Guest filesystem freeze and unfreeze through KubeVirt's subresource API (always with an unfreezeTimeout).

import type { ClusterClient } from './client.ts';
import type { ResourceTarget } from './resource.ts';

/** A VMI by namespace and name. */
export interface VmiName {
  namespace: string;
  name: string;
}

function subresource(vmi: VmiName, verb: 'freeze' | 'unfreeze'): ResourceTarget {
  return {
    verb: 'update',
    group: 'subresources.kubevirt.io',
    version: 'v1',
    resource: 'virtualmachineinstances',
    namespace: vmi.namespace,
    name: vmi.name,
    subresource: verb,
  };
}

/** Kubernetes duration text for whole seconds (`metav1.Duration` reads `"300s"`). */
export function durationText(seconds: number): string {
  return `${Math.max(1, Math.ceil(seconds))}s`;
}

/**
 * Freezes the guest's filesystems. virt-launcher thaws them by itself after `unfreezeTimeoutSeconds` even if this
 * process dies, so the timeout must exceed the time the snapshot needs, and is never 0 (0 disables the safety thaw).
 */
export async function freezeVmi(client: ClusterClient, vmi: VmiName, unfreezeTimeoutSeconds: number, signal?: AbortSignal): Promise<void> {
  await client.call({ target: subresource(vmi, 'freeze'), body: { unfreezeTimeout: durationText(unfreezeTimeoutSeconds) }, signal });
}

/** Thaws the guest; a no-op for a guest that is not frozen. Takes no signal: a thaw must not be interrupted. */
export async function unfreezeVmi(client: ClusterClient, vmi: VmiName): Promise<void> {
  await client.call({ target: subresource(vmi, 'unfreeze') });
}

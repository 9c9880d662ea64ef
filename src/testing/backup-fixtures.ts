// Test support for incremental backups, shared by the e2e tests and the bench: a tracked VM and writes to its disk.

import type { KubeObject } from '../model/kube-object.ts';
import type { ClusterClient } from '../io/cluster/client.ts';
import { targetOf } from '../io/cluster/resource.ts';
import { CBT_LABEL, SIM_DISK_SIZE, SIM_WRITE, SIM_WRITTEN } from '../../scripts/e2e/simulator.ts';
import { eventually } from './e2e-cluster.ts';

/** A running VM selected for changed block tracking, with one generated disk `<name>-disk` of `size` bytes. */
export function trackedVm(name: string, size: number, labels: Record<string, string> = { ...CBT_LABEL }): KubeObject {
  const disk = `${name}-disk`;
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, labels },
    spec: {
      runStrategy: 'Always',
      dataVolumeTemplates: [
        { metadata: { name: disk, annotations: { [SIM_DISK_SIZE]: String(size) } }, spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } } },
      ],
      template: {
        spec: {
          domain: { devices: { disks: [{ name: 'root', disk: {} }] }, resources: { requests: { memory: '64Mi' } } },
          volumes: [{ name: 'root', dataVolume: { name: disk } }],
        },
      },
    },
  } as unknown as KubeObject;
}

/** Waits until the VM's changed block tracking is Enabled (it runs and the KubeVirt CR selects it). */
export async function trackingEnabled(client: ClusterClient, ns: string, name: string): Promise<void> {
  await eventually(`VM ${ns}/${name} tracked`, async () => {
    const vm = await client.callOptional<KubeObject>({ target: targetOf('kubevirt.io', 'VirtualMachine', 'get', ns, name) });
    return (vm?.status as { changedBlockTracking?: { state?: string } } | undefined)?.changedBlockTracking?.state === 'Enabled' ? true : undefined;
  }, 120_000);
}

/** Overwrites ranges (`<offset>:<length>,…`) of a disk through the simulator's write switch; waits until written. */
export async function writeDisk(client: ClusterClient, ns: string, pvc: string, value: string): Promise<void> {
  await client.call({ target: targetOf('', 'PersistentVolumeClaim', 'patch', ns, pvc), body: { metadata: { annotations: { [SIM_WRITE]: value } } }, contentType: 'application/merge-patch+json' });
  await eventually(`${pvc} written`, async () => {
    const claim = await client.callOptional<KubeObject>({ target: targetOf('', 'PersistentVolumeClaim', 'get', ns, pvc) });
    return claim?.metadata.annotations?.[SIM_WRITTEN] === value ? true : undefined;
  }, 60_000);
}

// Incremental-backup fixtures shared by the e2e tests and the bench: a VM selected for changed block tracking, and
// writes to its disk through the simulator's write switch.

import { PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import { objectApi, readObject } from './cluster.ts';
import { vmWithDataVolume, waitFor, type Obj } from './fixtures.ts';
import { CBT_LABEL, simAnnotations, SIM_WRITTEN, SimSwitches, type ByteRange } from './simulator.ts';

/** A running VM with one generated disk `<name>-disk` of `size` bytes, labelled for changed block tracking unless `tracked` is false. */
export function trackedVm(name: string, size: number, tracked = true): Obj {
  const vm = vmWithDataVolume(name, { diskSize: size });
  vm.metadata = { ...vm.metadata, labels: tracked ? { ...CBT_LABEL } : {} };
  return vm;
}

const vmRef = (namespace: string, name: string): Obj => ({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name, namespace } });
const claimRef = (namespace: string, name: string): Obj => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace } });

/** Waits until the VM's changed block tracking is Enabled (it runs and the KubeVirt CR selects it). */
export async function trackingEnabled(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await waitFor(kc, vmRef(namespace, name), 'changed block tracking Enabled', (o) => o.status?.changedBlockTracking?.state === 'Enabled', 120_000);
}

/** Overwrites `ranges` of a disk through the write switch and waits until the simulator applied them. */
export async function writeDisk(kc: KubeConfig, namespace: string, claim: string, ranges: readonly ByteRange[]): Promise<void> {
  const patch = { ...claimRef(namespace, claim), metadata: { name: claim, namespace, annotations: simAnnotations({ write: ranges }) } };
  await objectApi(kc).patch(patch, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
  const value = SimSwitches.write.encode(ranges);
  await waitFor(kc, claimRef(namespace, claim), `${SIM_WRITTEN}=${value}`, (o) => o.metadata?.annotations?.[SIM_WRITTEN] === value, 60_000);
}

/** Whether the object exists. */
export async function exists(kc: KubeConfig, o: Obj): Promise<boolean> {
  return readObject(kc, o).then(
    () => true,
    () => false,
  );
}

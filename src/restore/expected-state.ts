// What `restore --wait` waits for, per kind: PVCs Bound, DataVolumes Succeeded, VMs in the state their runStrategy asks for.

import { getString, get, type KubeObject } from '../model/kube-object.ts';

/** Where one object stands. */
export type WaitProgress = { state: 'done' } | { state: 'pending'; reason: string } | { state: 'failed'; reason: string };

/** The kinds `--wait` waits for. */
export const WAITED_KINDS = ['PersistentVolumeClaim', 'DataVolume', 'VirtualMachine'] as const;

/** Whether `object` (as last read from the cluster) reached the state restore waits for. */
export function progressOf(object: KubeObject): WaitProgress {
  switch (object.kind) {
    case 'PersistentVolumeClaim': {
      const phase = getString(object, 'status', 'phase') ?? 'Pending';
      if (phase === 'Bound') return { state: 'done' };
      if (phase === 'Lost') return { state: 'failed', reason: 'claim Lost' };
      return { state: 'pending', reason: `phase ${phase}` };
    }
    case 'DataVolume': {
      const phase = getString(object, 'status', 'phase') ?? 'no phase yet';
      if (phase === 'Succeeded') return { state: 'done' };
      if (phase === 'Failed') return { state: 'failed', reason: 'DataVolume Failed' };
      const progress = getString(object, 'status', 'progress');
      return { state: 'pending', reason: `phase ${phase}${progress && progress !== 'N/A' ? ` ${progress}` : ''}` };
    }
    case 'VirtualMachine':
      return vmProgress(object);
    default:
      return { state: 'done' };
  }
}

/** The runStrategy a VM asks for (`running: true|false` is the older spelling). */
export function runStrategyOf(vm: KubeObject): string {
  const strategy = getString(vm, 'spec', 'runStrategy');
  if (strategy) return strategy;
  return get(vm, 'spec', 'running') === true ? 'Always' : 'Halted';
}

function vmProgress(vm: KubeObject): WaitProgress {
  const printable = getString(vm, 'status', 'printableStatus') ?? 'no status yet';
  switch (runStrategyOf(vm)) {
    case 'Always':
    case 'RerunOnFailure':
      if (printable === 'Running' || get(vm, 'status', 'ready') === true) return { state: 'done' };
      if (printable === 'CrashLoopBackOff' || printable === 'ErrorUnschedulable' || printable === 'DataVolumeError') return { state: 'failed', reason: printable };
      return { state: 'pending', reason: `${printable}, waiting for Running` };
    case 'Halted':
      return printable === 'Stopped' ? { state: 'done' } : { state: 'pending', reason: `${printable}, waiting for Stopped` };
    default:
      // Manual and Once: no state is promised; the VM only has to be seen by its controller.
      return get(vm, 'status') === undefined ? { state: 'pending', reason: 'no status yet' } : { state: 'done' };
  }
}

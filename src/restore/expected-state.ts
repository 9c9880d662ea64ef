// What `restore --wait` waits for, per kind: PVCs Bound, DataVolumes Succeeded, VMs in the state their runStrategy asks for.

import { KNOWN_KINDS, kindInfo, type KindInfo } from '../model/kinds.ts';
import { getString, get, groupOf, type KubeObject } from '../model/kube-object.ts';

/** Where one object stands. */
export type WaitProgress = { state: 'done' } | { state: 'pending'; reason: string } | { state: 'failed'; reason: string };

/** The kinds `--wait` waits for: those the kind registry gives a wait condition, in registry order. */
export const WAITED_KINDS: readonly KindInfo[] = KNOWN_KINDS.filter((info) => info.restore.waitFor !== undefined);

/** Whether `object` (as last read from the cluster) reached the state its kind's wait condition asks for. */
export function progressOf(object: KubeObject): WaitProgress {
  switch (kindInfo(groupOf(object.apiVersion), object.kind)?.restore.waitFor) {
    case 'claim-bound': {
      const phase = getString(object, 'status', 'phase') ?? 'Pending';
      if (phase === 'Bound') return { state: 'done' };
      if (phase === 'Lost') return { state: 'failed', reason: 'claim Lost' };
      return { state: 'pending', reason: `phase ${phase}` };
    }
    case 'datavolume-succeeded': {
      const phase = getString(object, 'status', 'phase') ?? 'no phase yet';
      if (phase === 'Succeeded') return { state: 'done' };
      if (phase === 'Failed') return { state: 'failed', reason: 'DataVolume Failed' };
      const progress = getString(object, 'status', 'progress');
      return { state: 'pending', reason: `phase ${phase}${progress && progress !== 'N/A' ? ` ${progress}` : ''}` };
    }
    case 'vm-run-strategy':
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

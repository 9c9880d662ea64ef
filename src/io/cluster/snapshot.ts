// VirtualMachineSnapshot: create one per VM, wait for readyToUse, report what the snapshot controller did.

import { getArray, getString, get, type KubeObject } from '../../model/kube-object.ts';
import { Kinds, kindInfo } from '../../model/kinds.ts';
import type { ClusterClient } from './client.ts';
import { durationText } from './freeze.ts';
import { objectName, runLabels, runSelector } from './run-labels.ts';
import { targetOf } from './resource.ts';
import { waitForAll, type Progress, type WaitResult } from './wait.ts';

const snapshotKind = kindInfo(Kinds.VirtualMachineSnapshot.group, Kinds.VirtualMachineSnapshot.kind)!;

/** A VM's snapshot as the bundle records it. */
export interface SnapshotRecord {
  namespace: string;
  vmName: string;
  snapshotName: string;
  readyToUse: boolean;
  phase?: string;
  /** `{indication, message}` as the controller reported them (`GuestAgent`, `NoGuestAgent`, `Online`, …). */
  sourceIndications: { indication: string; message?: string }[];
  error?: string;
}

/**
 * Creates the snapshot of a VM. `failureDeadlineSeconds` bounds the controller's own work, and is also the
 * unfreezeTimeout the controller passes when it freezes the guest itself.
 */
export async function createSnapshot(client: ClusterClient, runId: string, namespace: string, vmName: string, failureDeadlineSeconds: number, signal?: AbortSignal): Promise<string> {
  const name = objectName(runId, vmName, 253);
  await client.call({
    target: targetOf(snapshotKind.group, snapshotKind.kind, 'create', namespace),
    body: {
      apiVersion: `${snapshotKind.group}/${snapshotKind.version}`,
      kind: snapshotKind.kind,
      metadata: { name, namespace, labels: runLabels(runId) },
      spec: {
        source: { apiGroup: Kinds.VirtualMachine.group, kind: Kinds.VirtualMachine.kind, name: vmName },
        failureDeadline: durationText(failureDeadlineSeconds),
        deletionPolicy: 'Delete',
      },
    },
    signal,
  });
  return name;
}

/** Ready when `status.readyToUse`; failed on phase Failed or a true Failure condition. */
export function snapshotProgress(snapshot: KubeObject): Progress {
  if (get(snapshot, 'status', 'readyToUse') === true) return { state: 'done' };
  const phase = getString(snapshot, 'status', 'phase');
  const error = getString(snapshot, 'status', 'error', 'message');
  if (phase === 'Failed') return { state: 'failed', reason: error ?? 'phase Failed' };
  const failure = (getArray(snapshot, 'status', 'conditions') ?? []).find((c) => get(c, 'type') === 'Failure' && get(c, 'status') === 'True');
  if (failure) return { state: 'failed', reason: getString(failure, 'message') ?? getString(failure, 'reason') ?? 'Failure condition' };
  return { state: 'pending', reason: `phase ${phase || 'not set'}${error ? `, ${error}` : ''}, not readyToUse` };
}

/** Waits for the run's snapshots (names by namespace) with one LIST per namespace per poll. */
export function waitForSnapshots(client: ClusterClient, runId: string, names: ReadonlyMap<string, readonly string[]>, deadline: number, signal?: AbortSignal, firstIntervalMs?: number): Promise<WaitResult> {
  return waitForAll(client, { kind: snapshotKind, names, labelSelector: runSelector(runId), deadline, progress: snapshotProgress, signal, ...(firstIntervalMs ? { firstIntervalMs } : {}) });
}

/** The record of a snapshot as last seen. */
export function snapshotRecord(namespace: string, vmName: string, snapshotName: string, snapshot: KubeObject | undefined): SnapshotRecord {
  const record: SnapshotRecord = { namespace, vmName, snapshotName, readyToUse: get(snapshot, 'status', 'readyToUse') === true, sourceIndications: [] };
  const phase = getString(snapshot, 'status', 'phase');
  if (phase) record.phase = phase;
  for (const item of getArray(snapshot, 'status', 'sourceIndications') ?? []) {
    const indication = getString(item, 'indication');
    if (!indication) continue;
    const message = getString(item, 'message');
    record.sourceIndications.push(message ? { indication, message } : { indication });
  }
  const error = getString(snapshot, 'status', 'error', 'message');
  if (error) record.error = error;
  return record;
}

/** Deletes a snapshot; gone already is fine. No signal: cleanup runs to the end. */
export async function deleteSnapshot(client: ClusterClient, namespace: string, name: string): Promise<void> {
  await client.callOptional({ target: targetOf(snapshotKind.group, snapshotKind.kind, 'delete', namespace, name) });
}

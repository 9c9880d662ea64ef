// VirtualMachineExport: a token Secret the tool owns, the export (from a snapshot or the VM), Ready, its links.

import { randomBytes } from 'node:crypto';
import type { ExportLinks, ExportRecord } from '../../bundle/documents.ts';
import { get, getArray, getString, type KubeObject } from '../../model/kube-object.ts';
import { Kinds, kindInfo } from '../../model/kinds.ts';
import type { ClusterClient } from './client.ts';
import { durationText } from './freeze.ts';
import { objectName, runLabels, runSelector } from './run-labels.ts';
import { targetOf } from './resource.ts';
import { waitForAll, type Progress, type WaitResult } from './wait.ts';

const exportKind = kindInfo(Kinds.VirtualMachineExport.group, Kinds.VirtualMachineExport.kind)!;

/** What one VM's export is made from. */
export interface ExportRequest {
  namespace: string;
  vmName: string;
  /** Export this snapshot; otherwise the VM itself (which must be stopped for the export to become Ready). */
  snapshotName?: string | undefined;
}

/** The objects created for one export. */
export interface CreatedExport {
  namespace: string;
  vmName: string;
  exportName: string;
  secretName: string;
  token: string;
  source: { apiGroup: string; kind: string; name: string };
}

/**
 * Creates the export and its token Secret. The Secret is created second, owned by the export, so the garbage
 * collector removes it with the export even when this process never gets to clean up (the export itself is deleted
 * by KubeVirt when its TTL passes).
 */
export async function createExport(client: ClusterClient, runId: string, request: ExportRequest, ttlSeconds: number, signal?: AbortSignal): Promise<CreatedExport> {
  const { exportName, secretName } = exportNames(runId, request.vmName);
  const source = request.snapshotName
    ? { apiGroup: Kinds.VirtualMachineSnapshot.group, kind: Kinds.VirtualMachineSnapshot.kind, name: request.snapshotName }
    : { apiGroup: Kinds.VirtualMachine.group, kind: Kinds.VirtualMachine.kind, name: request.vmName };
  const created = await client.call<KubeObject>({
    target: targetOf(exportKind.group, exportKind.kind, 'create', request.namespace),
    body: {
      apiVersion: `${exportKind.group}/${exportKind.version}`,
      kind: exportKind.kind,
      metadata: { name: exportName, namespace: request.namespace, labels: runLabels(runId) },
      spec: { source, tokenSecretRef: secretName, ttlDuration: durationText(ttlSeconds) },
    },
    signal,
  });
  const token = randomBytes(24).toString('base64url');
  await client.call({
    target: targetOf('', 'Secret', 'create', request.namespace),
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: secretName,
        namespace: request.namespace,
        labels: runLabels(runId),
        ownerReferences: [{ apiVersion: `${exportKind.group}/${exportKind.version}`, kind: exportKind.kind, name: exportName, uid: created.metadata.uid }],
      },
      type: 'Opaque',
      data: { token: Buffer.from(token).toString('base64') },
    },
    signal,
  });
  return { namespace: request.namespace, vmName: request.vmName, exportName, secretName, token, source };
}

/** The export's and its token Secret's names, known before they exist so cleanup can be registered first. */
export function exportNames(runId: string, vmName: string): { exportName: string; secretName: string } {
  const exportName = objectName(runId, vmName);
  return { exportName, secretName: `${exportName}-token` };
}

/** Ready when phase Ready with links; Skipped is a failure (KubeVirt found the source invalid). */
export function exportProgress(vmExport: KubeObject): Progress {
  const phase = getString(vmExport, 'status', 'phase');
  const ready = getArray(vmExport, 'status', 'conditions').find((c) => get(c, 'type') === 'Ready');
  const why = getString(ready, 'message') ?? getString(ready, 'reason');
  if (phase === 'Ready' && (get(vmExport, 'status', 'links', 'internal') || get(vmExport, 'status', 'links', 'external'))) return { state: 'done' };
  if (phase === 'Skipped' || phase === 'Terminated') return { state: 'failed', reason: `phase ${phase}${why ? `: ${why}` : ''}` };
  return { state: 'pending', reason: `phase ${phase || 'not set'}${why ? `: ${why}` : ''}` };
}

export function waitForExports(client: ClusterClient, runId: string, names: ReadonlyMap<string, readonly string[]>, deadline: number, signal?: AbortSignal, firstIntervalMs?: number): Promise<WaitResult> {
  return waitForAll(client, { kind: exportKind, names, labelSelector: runSelector(runId), deadline, progress: exportProgress, signal, ...(firstIntervalMs ? { firstIntervalMs } : {}) });
}

/** The bundle's export record: every volume and format of both link types, the CA, the manifests links. */
export function exportRecord(created: CreatedExport, vmExport: KubeObject | undefined, includeToken: boolean): ExportRecord {
  const links: ExportRecord['links'] = {};
  const internal = readLinks(get(vmExport, 'status', 'links', 'internal'));
  const external = readLinks(get(vmExport, 'status', 'links', 'external'));
  if (internal) links.internal = internal;
  if (external) links.external = external;
  const record: ExportRecord = {
    namespace: created.namespace,
    vmName: created.vmName,
    exportName: created.exportName,
    phase: getString(vmExport, 'status', 'phase') ?? 'Pending',
    links,
    tokenSecretRef: { namespace: created.namespace, name: getString(vmExport, 'status', 'tokenSecretRef') ?? created.secretName },
    data: [],
  };
  if (created.source.kind !== Kinds.VirtualMachine.kind) record.source = created.source;
  if (includeToken) record.token = created.token;
  return record;
}

function readLinks(value: unknown): ExportLinks | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const links: ExportLinks = {
    volumes: getArray(value, 'volumes').map((volume) => ({
      name: getString(volume, 'name') ?? '',
      formats: getArray(volume, 'formats').map((format) => ({ format: getString(format, 'format') ?? '', url: getString(format, 'url') ?? '' })),
    })),
    manifests: getArray(value, 'manifests').map((manifest) => ({ type: getString(manifest, 'type') ?? '', url: getString(manifest, 'url') ?? '' })),
  };
  const cert = getString(value, 'cert');
  if (cert) links.cert = cert;
  return links;
}

/** Deletes an export (its Secret goes with it through the owner reference, and is deleted explicitly too). */
export async function deleteExport(client: ClusterClient, created: Pick<CreatedExport, 'namespace' | 'exportName' | 'secretName'>): Promise<void> {
  await client.callOptional({ target: targetOf(exportKind.group, exportKind.kind, 'delete', created.namespace, created.exportName) });
  await client.callOptional({ target: targetOf('', 'Secret', 'delete', created.namespace, created.secretName) });
}

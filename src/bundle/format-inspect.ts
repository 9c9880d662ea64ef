// The text output of `inspect`: header facts, objects, graph counts, export links and data sizes.

import { describeRef } from '../model/object-ref.ts';
import type { InspectExport, InspectLinks, InspectResult } from './inspect-result.ts';
import { formatBytes } from './limits.ts';

/** Renders an inspect result as readable text, one fact per line; ends with a newline. */
export function formatInspect(result: InspectResult): string {
  const { header } = result;
  const lines: string[] = [];
  lines.push(`Bundle:      ${header.formatVersion}, written by kubectl-kvbackup ${header.toolVersion} at ${header.createdAt}`);
  lines.push(`Source:      ${describeSource(result)}`);
  lines.push(`Selection:   ${describeSelection(result)}`);
  if (header.transformed) {
    const seed = header.transformed.seed === undefined ? '' : `, seed ${header.transformed.seed}`;
    lines.push(`Transformed: rules ${header.transformed.rules.join(', ') || '(none)'}${seed}`);
  }
  if (header.backup) lines.push(...describeChain(header.backup, result.digest));
  const dataNoun = header.formatVersion === 'v1alpha1' ? plural(header.contents.data, 'data entry', 'data entries') : plural(header.contents.data, 'volume');
  lines.push(`Contents:    ${plural(header.contents.objects, 'object')}, ${plural(header.contents.exports, 'export record')}, ${dataNoun}`);
  const g = result.graph;
  lines.push(`Graph:       ${plural(g.nodes, 'node')}, ${plural(g.edges, 'edge')}, ${g.missing} missing (${g.missingRequired} required), ${plural(g.roots, 'root')}`);

  lines.push('', `Objects (${result.objects.length}):`);
  if (result.objects.length === 0) lines.push('  (none)');
  for (const object of result.objects) lines.push(`  ${describeRef(object)}`);

  lines.push('', `Exports (${result.exports.length}):`);
  if (result.exports.length === 0) lines.push('  (none)');
  for (const record of result.exports) lines.push(...describeExport(record));

  if (result.header.formatVersion === 'v1alpha1') {
    lines.push('', `Data (${plural(result.data.length, 'entry', 'entries')}, ${formatBytes(result.totals.dataBytes)}):`);
    if (result.data.length === 0) lines.push('  (none)');
    for (const entry of result.data) lines.push(`  ${entry.path}  ${formatBytes(entry.size)} (${entry.size} bytes)  sha256:${entry.sha256}`);
  } else {
    lines.push(...describeVolumes(result));
  }
  return `${lines.join('\n')}\n`;
}

/** Per volume and for the bundle: logical size, stored size, and what deduplication and zero elision saved. */
function describeVolumes(result: InspectResult): string[] {
  const totals = result.totals.volumes;
  const lines = ['', `Volumes (${result.volumes.length}${totals ? `, ${plural(totals.chunks, 'chunk')}` : ''}):`];
  if (result.volumes.length === 0) lines.push('  (none)');
  const usage = (u: { logicalBytes: number; storedBytes: number; zeroBytes: number; deduplicatedBytes: number; addedBytes: number }) =>
    `${formatBytes(u.logicalBytes)} logical, ${formatBytes(u.storedBytes)} stored; saved: ${formatBytes(u.zeroBytes)} zero, ${formatBytes(u.deduplicatedBytes)} deduplicated, ${formatBytes(u.addedBytes - u.storedBytes)} by compression`;
  for (const volume of result.volumes) {
    const base = volume.baseBytes ? `, ${formatBytes(volume.baseBytes)} in the base` : '';
    const digest = volume.sha256 ? `sha256:${volume.sha256}` : 'sha256: (incremental: computed on restore)';
    lines.push(`  ${volume.namespace}/${volume.volume} (${volume.format}, ${formatBytes(volume.chunkSize)} chunks): ${usage(volume)}${base}  ${digest}`);
  }
  if (totals && result.volumes.length > 0) lines.push(`  total: ${usage(totals)}`);
  return lines;
}

/** The bundle's place in its incremental chain: type, position, base, and per VM the checkpoints. */
function describeChain(backup: NonNullable<InspectResult['header']['backup']>, digest: string): string[] {
  const lines = [
    `Backup:      ${backup.type}, chain position ${backup.chainPosition}, base ${backup.base ? `sha256:${backup.base.digest}` : '(none: self-contained)'}`,
    `Digest:      sha256:${digest} (the base digest of the next incremental)`,
  ];
  if (backup.mergedFrom) lines.push(`Merged from: ${plural(backup.mergedFrom.length, 'bundle')} (${backup.mergedFrom.map((d) => d.slice(0, 12)).join(', ')})`);
  for (const vm of backup.vms) {
    const since = vm.baseCheckpoint ? ` since ${vm.baseCheckpoint}` : '';
    lines.push(`  ${vm.namespace}/${vm.name}: ${vm.type}, checkpoint ${vm.checkpoint}${since}, tracker ${vm.tracker}${vm.quiesced ? '' : ', crash-consistent (not quiesced)'}`);
  }
  return lines;
}

function describeSource(result: InspectResult): string {
  const source = result.header.source;
  if (!source) return 'files (no cluster)';
  const versions = [
    source.kubernetesVersion && `Kubernetes ${source.kubernetesVersion}`,
    source.kubevirtVersion && `KubeVirt ${source.kubevirtVersion}`,
    source.cdiVersion && `CDI ${source.cdiVersion}`,
  ].filter(Boolean);
  const server = source.server ?? 'unknown server';
  return versions.length > 0 ? `${server} (${versions.join(', ')})` : server;
}

function describeSelection(result: InspectResult): string {
  const selection = result.header.selection;
  const parts: string[] = [];
  if (selection.allNamespaces) parts.push('all namespaces');
  if (selection.namespaces?.length) parts.push(`namespaces ${selection.namespaces.join(', ')}`);
  if (selection.names?.length) parts.push(`names ${selection.names.join(', ')}`);
  if (selection.selector) parts.push(`selector ${selection.selector}`);
  return parts.length > 0 ? parts.join('; ') : '(everything given)';
}

function describeExport(record: InspectExport): string[] {
  const secret = record.tokenSecretRef ? `token Secret ${record.tokenSecretRef.namespace}/${record.tokenSecretRef.name}` : 'no token Secret';
  const token = record.tokenIncluded ? 'token included' : 'token not included';
  const lines = [`  ${record.namespace}/${record.vmName}: VirtualMachineExport ${record.exportName} (${record.phase}), ${secret}, ${token}`];
  if (record.source) lines.push(`    source: ${record.source.kind} ${record.source.name}`);
  for (const [type, links] of [['internal', record.links.internal], ['external', record.links.external]] as const) {
    if (links) lines.push(...describeLinks(type, links));
  }
  for (const item of record.data) lines.push(`    data: ${item.volume} ${item.format} -> ${item.path}${item.size === undefined ? '' : ` (${formatBytes(item.size)})`}`);
  return lines;
}

function describeLinks(type: string, links: InspectLinks): string[] {
  const lines = [`    ${type} links${links.hasCert ? ' (with CA certificate)' : ''}:`];
  for (const volume of links.volumes) {
    for (const format of volume.formats) lines.push(`      volume ${volume.name} ${format.format}: ${format.url}`);
  }
  for (const manifest of links.manifests) lines.push(`      manifests ${manifest.type}: ${manifest.url}`);
  return lines;
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

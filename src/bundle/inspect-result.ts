// What `inspect` reports about a bundle (the `-o json` shape, schemas/inspect.v1alpha1.schema.json), built from what the reader read.

import type { Graph } from '../graph/index.ts';
import type { ObjectRef } from '../model/object-ref.ts';
import type { BundleHeader, ExportDataItem, ExportLinks, ExportRecord, Trailer, TrailerEntry } from './documents.ts';
import { summarizeGraph, type GraphSummary } from './graph-summary.ts';
import type { DataUsage, VolumeUsage } from './volume-accounting.ts';

/** An object in the bundle and the entry it is stored in. */
export interface InspectObject extends ObjectRef {
  path: string;
}

/** Export links without the CA certificate itself (only whether there is one). */
export interface InspectLinks {
  hasCert: boolean;
  volumes: ExportLinks['volumes'];
  manifests: ExportLinks['manifests'];
}

/** An export record as `inspect` shows it: never the token, only whether the bundle holds one. */
export interface InspectExport {
  namespace: string;
  vmName: string;
  exportName: string;
  phase: string;
  source?: ExportRecord['source'];
  tokenSecretRef?: ExportRecord['tokenSecretRef'];
  tokenIncluded: boolean;
  links: { internal?: InspectLinks; external?: InspectLinks };
  data: ExportDataItem[];
}

/** The `-o json` result of `inspect`. */
export interface InspectResult {
  header: BundleHeader;
  objects: InspectObject[];
  graph: GraphSummary;
  exports: InspectExport[];
  /** v1alpha1: the volume data files with their size and sha256 from the trailer (empty for v1alpha2). */
  data: TrailerEntry[];
  /** v1alpha2: each volume's logical and stored size and what deduplication and zero elision saved. */
  volumes: VolumeUsage[];
  /** `dataBytes`: bytes of volume data as stored (data files, or chunk entries). */
  totals: { entries: number; dataBytes: number; volumes?: DataUsage };
  /** The bundle digest (its trailer's digest): what the next incremental of the chain records as its base. */
  digest: string;
}

/** What the reader gathered, in the shape `buildInspectResult` needs. */
export interface InspectInput {
  header: BundleHeader;
  graph: Graph;
  objects: { ref: ObjectRef; path: string }[];
  exports: ExportRecord[];
  trailer: Trailer;
  /** v1alpha2: the volumes in bundle order, and their totals. */
  volumes?: { usage: VolumeUsage[]; totals: DataUsage };
}

/** Builds the inspect result; lists keep bundle order, which is already sorted. */
export function buildInspectResult(input: InspectInput): InspectResult {
  const data = input.trailer.entries.filter((entry) => entry.path.startsWith('data/'));
  return {
    header: input.header,
    objects: input.objects.map(({ ref, path }) => ({ group: ref.group, kind: ref.kind, namespace: ref.namespace, name: ref.name, path })),
    graph: summarizeGraph(input.graph),
    exports: input.exports.map(inspectExport),
    data: data.map((entry) => ({ path: entry.path, size: entry.size, sha256: entry.sha256 })),
    volumes: input.volumes?.usage ?? [],
    totals: {
      entries: input.trailer.entries.length + (input.trailer.chunks?.count ?? 0) + 1,
      dataBytes: data.reduce((sum, entry) => sum + entry.size, 0) + (input.trailer.chunks?.storedBytes ?? 0),
      ...(input.volumes ? { volumes: input.volumes.totals } : {}),
    },
    digest: input.trailer.digest,
  };
}

function inspectExport(record: ExportRecord): InspectExport {
  const links: InspectExport['links'] = {};
  if (record.links.internal) links.internal = inspectLinks(record.links.internal);
  if (record.links.external) links.external = inspectLinks(record.links.external);
  const out: InspectExport = {
    namespace: record.namespace,
    vmName: record.vmName,
    exportName: record.exportName,
    phase: record.phase,
  } as InspectExport;
  if (record.source) out.source = record.source;
  if (record.tokenSecretRef) out.tokenSecretRef = record.tokenSecretRef;
  out.tokenIncluded = record.token !== undefined;
  out.links = links;
  out.data = record.data;
  return out;
}

function inspectLinks(links: ExportLinks): InspectLinks {
  return { hasCert: links.cert !== undefined && links.cert !== '', volumes: links.volumes, manifests: links.manifests };
}

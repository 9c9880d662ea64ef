// The header a bundle is written with: one builder for `export` (a new bundle) and `transform` (a rewritten one).

import { TOOL_VERSION } from '../version.ts';
import { BUNDLE_FORMAT_VERSION, FORMAT_NAME, type BackupInfo, type BundleHeader, type ExportRecord, type Selection, type SourceCluster, type TransformInfo } from './documents.ts';

export interface HeaderFields {
  /** RFC 3339, to the second (see `headerTime`). */
  createdAt: string;
  source?: SourceCluster | undefined;
  selection: Selection;
  transformed?: TransformInfo | undefined;
  /** Where the bundle sits in an incremental chain (`export --incremental`). */
  backup?: BackupInfo | undefined;
  /** How many objects the bundle holds. */
  objects: number;
  /** Its export records; each one's `data` list counts towards `contents.data`. */
  exports: readonly ExportRecord[];
}

/** The header of a bundle this version writes, its contents counted from the objects and export records. */
export function bundleHeader(fields: HeaderFields): BundleHeader {
  const header: BundleHeader = {
    format: FORMAT_NAME,
    formatVersion: BUNDLE_FORMAT_VERSION,
    toolVersion: TOOL_VERSION,
    createdAt: fields.createdAt,
    selection: fields.selection,
    contents: { objects: fields.objects, exports: fields.exports.length, data: fields.exports.reduce((count, record) => count + record.data.length, 0) },
  };
  if (fields.source) header.source = fields.source;
  if (fields.transformed) header.transformed = fields.transformed;
  if (fields.backup) header.backup = fields.backup;
  return header;
}

/** What `export` was asked for, as the header records it: the namespaces (or all), the names sorted, the selector. */
export function exportSelection(input: { namespaces: readonly string[] | undefined; names: readonly string[]; selector: string | undefined }): Selection {
  const selection: Selection = input.namespaces ? { namespaces: [...input.namespaces] } : { allNamespaces: true };
  if (input.names.length > 0) selection.names = [...input.names].sort();
  if (input.selector) selection.selector = input.selector;
  return selection;
}

/** A time as headers store it: RFC 3339 in UTC, to the second. */
export function headerTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

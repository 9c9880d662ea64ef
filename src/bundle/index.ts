// The pure public API of the bundle format v1alpha1: layout, documents, checks, checksums, inspect output.

export { EntryOrder } from './entry-order.ts';
export { checkExportRecord, checkHeader, checkObject, checkTrailer, contentsProblems, parseJsonEntry, schemaProblem } from './check-documents.ts';
export { buildTrailer, compareWithTrailer, sha256Hex, trailerDigest } from './checksums.ts';
export { DataReferences } from './data-references.ts';
export {
  canonicalExportRecord,
  canonicalHeader,
  FORMAT_NAME,
  BUNDLE_FORMAT_VERSION,
  sortKeysDeep,
  type BundleContents,
  type BundleHeader,
  type ExportDataItem,
  type ExportLinks,
  type ExportRecord,
  type ExportVolumeFormat,
  type Selection,
  type SourceCluster,
  type Trailer,
  type TrailerEntry,
  type TransformInfo,
} from './documents.ts';
export { formatInspect } from './format-inspect.ts';
export { summarizeGraph, type GraphSummary } from './graph-summary.ts';
export { buildInspectResult, type InspectExport, type InspectInput, type InspectLinks, type InspectObject, type InspectResult } from './inspect-result.ts';
export { encodeJson } from './json.ts';
export {
  DATA_FILE_NAMES,
  dataFormatOf,
  dataPath,
  decodeSegment,
  encodeSegment,
  exportPath,
  GRAPH_PATH,
  HEADER_PATH,
  objectPath,
  parseEntryPath,
  TRAILER_PATH,
  unsafeNameReason,
  type DataFormat,
  type EntryPath,
  type InvalidEntryPath,
} from './layout.ts';
export { DEFAULT_LIMITS, formatBytes, type BundleLimits } from './limits.ts';
export { BundleInputError, describeProblem, isProblem, problemError, quoteEntryName, type BundleProblem } from './problems.ts';
export { SCHEMA_NAMES, schemaErrors, type SchemaName } from './validators.ts';

// The pure public API of the bundle format (v1alpha2 written, v1alpha1 read): layout, documents, indexes, checks, inspect output.

export { EntryOrder } from './entry-order.ts';
export { checkExportRecord, checkHeader, checkObject, checkTrailer, contentsProblems, parseJsonEntry, schemaProblem } from './check-documents.ts';
export { buildTrailer, compareWithTrailer, sha256Hex, trailerDigest } from './checksums.ts';
export { DataReferences } from './data-references.ts';
export {
  canonicalExportRecord,
  canonicalHeader,
  FORMAT_NAME,
  BUNDLE_FORMAT_VERSION,
  READABLE_FORMAT_VERSIONS,
  sortKeysDeep,
  type BackupInfo,
  type BackupType,
  type BackupVm,
  type BundleContents,
  type BundleHeader,
  type ExportDataItem,
  type ExportLinks,
  type ExportRecord,
  type ExportVolumeFormat,
  type Selection,
  type SourceCluster,
  type Trailer,
  type TrailerChunks,
  type TrailerEntry,
  type TransformInfo,
} from './documents.ts';
export { formatInspect } from './format-inspect.ts';
export { bundleHeader, exportSelection, headerTime, type HeaderFields } from './header.ts';
export { summarizeGraph, type GraphSummary } from './graph-summary.ts';
export { buildInspectResult, type InspectExport, type InspectInput, type InspectLinks, type InspectObject, type InspectResult } from './inspect-result.ts';
export { encodeJson } from './json.ts';
export {
  CHUNKS_FOLDER,
  chunkPath,
  DATA_FILE_NAMES,
  dataFormatOf,
  dataPath,
  decodeSegment,
  encodeSegment,
  exportPath,
  GRAPH_PATH,
  graphPath,
  HEADER_PATH,
  jsonSuffix,
  objectPath,
  parseEntryPath,
  TRAILER_PATH,
  unsafeNameReason,
  VOLUME_INDEX_FILE,
  volumeIndexPath,
  ZSTD_SUFFIX,
  type DataFormat,
  type FormatVersion,
  type EntryPath,
  type InvalidEntryPath,
} from './layout.ts';
export { DEFAULT_LIMITS, formatBytes, type BundleLimits } from './limits.ts';
export { BundleInputError, describeProblem, isProblem, problemError, quoteEntryName, type BundleProblem } from './problems.ts';
export { SCHEMA_NAMES, schemaErrors, type SchemaName } from './validators.ts';
export {
  canonicalVolumeIndex,
  chunkSizeFor,
  hasBaseExtents,
  DEFAULT_CHUNK_SIZE,
  isSha256Hex,
  isValidChunkSize,
  isZeroExtent,
  MAX_CHUNK_SIZE,
  MAX_INDEX_EXTENTS,
  MIN_CHUNK_SIZE,
  VOLUME_FORMATS,
  volumeIndexProblem,
  volumeSizes,
  type ChunkCompression,
  type DataExtent,
  type StoredChunkRef,
  type VolumeExtent,
  type VolumeFormat,
  type VolumeIndex,
  type VolumeSizes,
  type ZeroExtent,
} from './volume-index.ts';
export { isAllZero } from './zero.ts';
export { VolumeAccounting, type DataUsage, type VolumeUsage } from './volume-accounting.ts';
export {
  ArtifactProblem,
  ARTIFACT_TYPE_ANNOTATION,
  encodeOciJson,
  BUNDLE_ARTIFACT_TYPE,
  buildBundleIndex,
  buildBundleManifests,
  CHUNKS_ARTIFACT_TYPE,
  CHUNKS_BEFORE_ANNOTATION,
  CHUNKS_PER_MANIFEST,
  CREATED_ANNOTATION,
  ENTRY_MEDIA_TYPES,
  HEADER_MEDIA_TYPE,
  MAX_MANIFEST_BYTES,
  METADATA_ARTIFACT_TYPE,
  OCI_EMPTY_BYTES,
  OCI_EMPTY_DIGEST,
  OCI_EMPTY_MEDIA_TYPE,
  OCI_INDEX_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  ociDigest,
  readBundleIndex,
  readChunkManifest,
  readMetadataManifest,
  TAR_SHA256_ANNOTATION,
  TAR_SIZE_ANNOTATION,
  TITLE_ANNOTATION,
  type MetadataPlan,
  type OciDescriptor,
  type OciIndex,
  type OciManifest,
  type PlannedEntry,
  type PushedEntry,
} from './oci-artifact.ts';
export {
  bundleDigest,
  checkChain,
  checkChainHeaders,
  chunkHolders,
  incrementalVolumePlan,
  mergedHeader,
  mergedIndex,
  type ChainLink,
  type ChunkPlan,
  type MapExtent,
} from './chain.ts';

// The cluster shell's public surface: the one module `export` loads lazily (it pulls in @kubernetes/client-node).

export { ClusterClient, connect, type ApiCall, type ConnectOptions } from './client.ts';
export { statusMessage } from './resource.ts';
export { EXPORT_TOKEN_HEADER, volumeOffers, type VolumeOffer } from './download.ts';
export { fetchVolumes, type FetchMode, type VolumeConsumer, type VolumeJob, type VolumeStart } from './volume-fetch.ts';
export { readClusterFacts } from './facts.ts';
export { freezeVmi, unfreezeVmi, type VmiName } from './freeze.ts';
export { discover, listKind, listSelectedRoots, type Discovery } from './list.ts';
export { progressReporter } from './progress.ts';
export { newRunId, objectName, runSelector } from './run-labels.ts';
export { createSnapshot, deleteSnapshot, snapshotRecord, waitForSnapshots, type SnapshotRecord } from './snapshot.ts';
export { ThawLedger } from './thaw-ledger.ts';
export { createExport, deleteExport, exportNames, exportRecord, waitForExports, type CreatedExport } from './vmexport.ts';
export { openSession } from './download.ts';
export {
  backupApiServed,
  backupNames,
  createBackup,
  deleteBackup,
  deleteLeftovers,
  ensureTracker,
  latestCheckpoint,
  readBackupData,
  readBackupMap,
  trackerName,
  trackingProblem,
  waitForBackup,
  type BackupNames,
  type ReadyBackup,
} from './backup.ts';

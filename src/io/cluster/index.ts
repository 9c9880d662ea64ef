// The cluster shell's public surface: the one module `export` loads lazily (it pulls in @kubernetes/client-node).

export { ClusterClient, connect, statusMessage, type ApiCall, type ConnectOptions } from './client.ts';
export { chooseVolumeSources, EXPORT_TOKEN_HEADER, openDownload, type Download, type VolumeSource } from './download.ts';
export { readClusterFacts } from './facts.ts';
export { freezeVmi, unfreezeVmi, type VmiName } from './freeze.ts';
export { discover, listKind, listSelectedRoots, type Discovery } from './list.ts';
export { progressReporter } from './progress.ts';
export { newRunId, objectName } from './run-labels.ts';
export { createSnapshot, deleteSnapshot, snapshotRecord, waitForSnapshots, type SnapshotRecord } from './snapshot.ts';
export { ThawLedger } from './thaw-ledger.ts';
export { createExport, deleteExport, exportNames, exportRecord, waitForExports, type CreatedExport } from './vmexport.ts';

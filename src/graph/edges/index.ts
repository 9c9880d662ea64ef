// The registry of edge families: every file in this folder, imported by name and listed in name order.

import type { EdgeFamily } from '../edge-family.ts';
import accessCredentialSecret from './access-credential-secret.ts';
import backendStoragePvc from './backend-storage-pvc.ts';
import datasourceSource from './datasource-source.ts';
import datavolumePvc from './datavolume-pvc.ts';
import datavolumeSource from './datavolume-source.ts';
import dvtemplateSource from './dvtemplate-source.ts';
import hookSidecarSources from './hook-sidecar-sources.ts';
import importSourceCredentials from './import-source-credentials.ts';
import networkAttachmentDefinition from './network-attachment-definition.ts';
import poolVm from './pool-vm.ts';
import pvcDataSource from './pvc-data-source.ts';
import vmControllerRevision from './vm-controller-revision.ts';
import vmDatavolumeTemplate from './vm-datavolume-template.ts';
import vmInstancetype from './vm-instancetype.ts';
import vmPreference from './vm-preference.ts';
import vmVmi from './vm-vmi.ts';
import vmiLauncherPod from './vmi-launcher-pod.ts';
import vmirsVmi from './vmirs-vmi.ts';
import volumeCloudInitSecret from './volume-cloud-init-secret.ts';
import volumeConfigmap from './volume-configmap.ts';
import volumeDatavolume from './volume-datavolume.ts';
import volumeMemoryDump from './volume-memory-dump.ts';
import volumePvc from './volume-pvc.ts';
import volumeSecret from './volume-secret.ts';
import volumeServiceAccount from './volume-service-account.ts';
import volumeSysprep from './volume-sysprep.ts';

/** Every edge family, sorted by name: what buildGraph runs by default. */
export const EDGE_FAMILIES: readonly EdgeFamily[] = Object.freeze([
  accessCredentialSecret,
  backendStoragePvc,
  datasourceSource,
  datavolumePvc,
  datavolumeSource,
  dvtemplateSource,
  hookSidecarSources,
  importSourceCredentials,
  networkAttachmentDefinition,
  poolVm,
  pvcDataSource,
  vmControllerRevision,
  vmDatavolumeTemplate,
  vmInstancetype,
  vmPreference,
  vmVmi,
  vmiLauncherPod,
  vmirsVmi,
  volumeCloudInitSecret,
  volumeConfigmap,
  volumeDatavolume,
  volumeMemoryDump,
  volumePvc,
  volumeSecret,
  volumeServiceAccount,
  volumeSysprep,
]);

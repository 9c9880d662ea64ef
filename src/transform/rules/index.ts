// The transform rules in the order they run (docs/transform-rules.md): an explicit list, no directory scanning.

import type { Rule } from '../rule.ts';
import annotateCdiPopulated from './annotate-cdi-populated.ts';
import copyRevisionNames from './copy-revision-names.ts';
import dropLauncherPods from './drop-launcher-pods.ts';
import dropOwnedVmis from './drop-owned-vmis.ts';
import remapCloudInitMacs from './remap-cloud-init-macs.ts';
import remapFirmwareIds from './remap-firmware-ids.ts';
import remapMacAddresses from './remap-mac-addresses.ts';
import remapNamespaces from './remap-namespaces.ts';
import remapStorageClasses from './remap-storage-classes.ts';
import setRunStrategy from './set-run-strategy.ts';
import stripPopulatorSources from './strip-populator-sources.ts';
import stripServerMetadata from './strip-server-metadata.ts';

/**
 * The rules in the order. Every rule reads the original object, so the order only fixes the order of
 * changes and added keys; the rules that read status and owner references still come before
 * strip-server-metadata, which removes them, so the list reads the way the data flows.
 */
export const RULES = Object.freeze([
  dropOwnedVmis,
  dropLauncherPods,
  annotateCdiPopulated,
  stripPopulatorSources,
  remapMacAddresses,
  remapCloudInitMacs,
  remapFirmwareIds,
  copyRevisionNames,
  stripServerMetadata,
  remapNamespaces,
  remapStorageClasses,
  setRunStrategy,
] as const satisfies readonly Rule[]);

/** Rule names in run order. */
export const RULE_NAMES: readonly string[] = Object.freeze(RULES.map((rule) => rule.name));

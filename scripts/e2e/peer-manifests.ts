// The KubeVirt Velero plugin's test manifests, read at test time from the
// shared folder beside the repository (never copied into it).

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

export const PEER_MANIFEST_DIR = fileURLToPath(new URL('../../../shared/peer/kubevirt-velero-plugin/manifests/', import.meta.url));

export function peerManifestFiles(): string[] {
  return readdirSync(PEER_MANIFEST_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

/** The objects of one manifest file with {{KVP_STORAGE_CLASS}} filled in. */
export function peerManifestObjects(file: string, storageClass: string): KubernetesObject[] {
  const text = readFileSync(PEER_MANIFEST_DIR + file, 'utf8').replaceAll('{{KVP_STORAGE_CLASS}}', storageClass);
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      return doc.toJS() as KubernetesObject | null;
    })
    .filter((o): o is KubernetesObject => o !== null);
}

// Test support: the KubeVirt Velero plugin's test manifests, read from the shared folder beside the repository.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../model/kube-object.ts';
import { parseManifests } from '../model/parse-manifests.ts';
import { withDefaultNamespace } from '../model/default-namespace.ts';

/** Where the upstream manifests live: `<repo>/../shared/peer/kubevirt-velero-plugin/manifests`. */
export const PEER_MANIFEST_DIR = fileURLToPath(
  new URL('../../../shared/peer/kubevirt-velero-plugin/manifests/', import.meta.url),
);

/** The storage class the placeholder `{{KVP_STORAGE_CLASS}}` is filled with. */
export const PEER_STORAGE_CLASS = 'kvbackup-test';

/** The YAML file names, sorted. */
export function peerManifestFiles(): string[] {
  return readdirSync(PEER_MANIFEST_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
}

/** The raw text of one manifest with its placeholders filled, as the upstream tests do with sed. */
export function peerManifestText(file: string, storageClass = PEER_STORAGE_CLASS): string {
  return readFileSync(PEER_MANIFEST_DIR + file, 'utf8').replaceAll('{{KVP_STORAGE_CLASS}}', storageClass);
}

/** The objects of one manifest file, placed in `namespace` like `kubectl create -n`. */
export function loadPeerManifest(file: string, namespace = 'ns1'): KubeObject[] {
  return parseManifests(peerManifestText(file), file).map(({ object }) => withDefaultNamespace(object, namespace));
}

/** The objects of one manifest file as written (no namespace set), `{{KVP_STORAGE_CLASS}}` filled with `storageClass`. */
export function peerManifestObjects(file: string, storageClass = PEER_STORAGE_CLASS): KubeObject[] {
  return parseManifests(peerManifestText(file, storageClass), file).map(({ object }) => object);
}

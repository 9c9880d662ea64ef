// Remove what the API server, controllers and binding wrote, so the objects can be created afresh.

import { Kinds, isKind } from '../../model/kinds.ts';
import { isRecord, type JsonValue } from '../../model/kube-object.ts';
import { pointer } from '../pointer.ts';
import { changes, defineRule, type Op } from '../rule.ts';

/** metadata fields the server sets; owner references go too, because uids change on restore. */
const SERVER_FIELDS: readonly string[] = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'ownerReferences',
  // Only matters when there is no name, and objects here always have one.
  'generateName',
];

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Annotations of a bound claim; restored, they would make the claim wait for a volume or node that is not there. */
export const PVC_BINDING_ANNOTATIONS: readonly string[] = [
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.kubernetes.io/selected-node',
  'volume.kubernetes.io/storage-provisioner',
  'volume.beta.kubernetes.io/storage-provisioner',
];

// Paths computed once: this rule runs on every object.
const withPaths = (keys: readonly string[], ...prefix: string[]) => keys.map((key) => [key, pointer(...prefix, key)] as const);
const METADATA_PATHS = withPaths(SERVER_FIELDS, 'metadata');
const LAST_APPLIED_PATH = pointer('metadata', 'annotations', LAST_APPLIED_ANNOTATION);
const BINDING_PATHS = withPaths(PVC_BINDING_ANNOTATIONS, 'metadata', 'annotations');
const VOLUME_NAME_PATH = pointer('spec', 'volumeName');

export default defineRule({
  name: 'strip-server-metadata',
  description:
    'Strip server-set metadata, status, owner references, the last-applied annotation and claim binding state from every object.',
  create() {
    return (object) => {
      const ops: Op[] = [];
      const remove = (path: string, container: Record<string, unknown>, key: string) => {
        const old = Object.hasOwn(container, key) ? container[key] : undefined;
        if (old !== undefined) ops.push({ op: 'remove', path, old: old as JsonValue });
      };
      const metadata = object.metadata;
      for (const [field, path] of METADATA_PATHS) remove(path, metadata, field);
      const isClaim = isKind(object, Kinds.PersistentVolumeClaim);
      if (isClaim && isRecord(object['spec'])) remove(VOLUME_NAME_PATH, object['spec'], 'volumeName');
      const annotations = metadata.annotations;
      if (isRecord(annotations)) {
        remove(LAST_APPLIED_PATH, annotations, LAST_APPLIED_ANNOTATION);
        if (isClaim) for (const [key, path] of BINDING_PATHS) remove(path, annotations, key);
      }
      remove('/status', object, 'status');
      return changes(ops);
    };
  },
});

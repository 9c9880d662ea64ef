// Every field that names another object's namespace, in the kinds the rules know, for remap-namespaces.

import { get, isRecord, type JsonValue, type KubeObject } from '../model/kube-object.ts';
import { Kinds, isKind } from '../model/kinds.ts';
import { pointer } from './pointer.ts';
import { vmiSpecOf, vmSpecOf } from './vm-specs.ts';

/** A field naming a namespace: where it is, the namespace it names, and the value it takes for another namespace. */
export interface NamespaceReference {
  path: string;
  /** The field's current value. */
  value: string;
  namespace: string;
  /** The field's value once the namespace is `namespace`. */
  rewrite(namespace: string): JsonValue;
  /** What is referenced, for messages: `clone source`, `network`. */
  what: string;
}

/** The DataVolume spec fields that name a source namespace: clone, snapshot clone, DataSource. */
const DV_SOURCE_FIELDS: readonly [readonly string[], string][] = [
  [['source', 'pvc', 'namespace'], 'clone source claim'],
  [['source', 'snapshot', 'namespace'], 'clone source snapshot'],
  [['sourceRef', 'namespace'], 'DataSource'],
];

const DATA_SOURCE_FIELDS: readonly [readonly string[], string][] = [
  [['source', 'pvc', 'namespace'], 'source claim'],
  [['source', 'snapshot', 'namespace'], 'source snapshot'],
];

function plainFields(
  spec: unknown,
  segments: readonly (string | number)[],
  fields: readonly [readonly string[], string][],
): NamespaceReference[] {
  return fields.flatMap(([field, what]) => {
    const value = get(spec, ...field);
    if (typeof value !== 'string' || value === '') return [];
    return [{ path: pointer(...segments, ...field), value, namespace: value, rewrite: (namespace: string) => namespace, what }];
  });
}

function dataVolumeTemplates(object: KubeObject): NamespaceReference[] {
  const site = vmSpecOf(object);
  const templates = site?.spec['dataVolumeTemplates'];
  if (!site || !Array.isArray(templates)) return [];
  return templates.flatMap((template: unknown, i) =>
    plainFields(get(template, 'spec'), [...site.segments, 'dataVolumeTemplates', i, 'spec'], DV_SOURCE_FIELDS),
  );
}

/** Multus `networkName` is `name` (same namespace) or `namespace/name`. */
function multusNetworks(object: KubeObject): NamespaceReference[] {
  const site = vmiSpecOf(object);
  const networks = site?.spec['networks'];
  if (!site || !Array.isArray(networks)) return [];
  return networks.flatMap((network: unknown, i) => {
    const value = get(network, 'multus', 'networkName');
    if (typeof value !== 'string') return [];
    const slash = value.indexOf('/');
    if (slash <= 0) return [];
    const name = value.slice(slash + 1);
    return [
      {
        path: pointer(...site.segments, 'networks', i, 'multus', 'networkName'),
        value,
        namespace: value.slice(0, slash),
        rewrite: (namespace: string) => `${namespace}/${name}`,
        what: 'network',
      },
    ];
  });
}

/** Every namespace reference of the object, in a fixed order. Same-namespace references (no namespace) are left out. */
export function namespaceReferencesOf(object: KubeObject): NamespaceReference[] {
  if (isKind(object, Kinds.DataVolume)) return plainFields(object['spec'], ['spec'], DV_SOURCE_FIELDS);
  if (isKind(object, Kinds.DataSource)) return plainFields(object['spec'], ['spec'], DATA_SOURCE_FIELDS);
  if (isKind(object, Kinds.PersistentVolumeClaim)) {
    return plainFields(object['spec'], ['spec'], [[['dataSourceRef', 'namespace'], 'data source']]);
  }
  if (!isRecord(object['spec'])) return [];
  return [...dataVolumeTemplates(object), ...multusNetworks(object)];
}

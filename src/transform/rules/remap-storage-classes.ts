// Replace storage class names wherever a claim is described: claims, DataVolumes, dataVolumeTemplates.

import { get } from '../../model/kube-object.ts';
import { Kinds, isKind } from '../../model/kinds.ts';
import { setOp } from '../ops.ts';
import { pointer } from '../pointer.ts';
import { changes, defineRule, NO_CHANGES, type Op } from '../rule.ts';
import { defineOption, DNS_SUBDOMAIN_SCHEMA, nameMapSchema } from '../option.ts';
import { vmSpecOf } from '../vm-specs.ts';

/** The legacy annotation some claims still carry instead of spec.storageClassName. */
const LEGACY_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** Where a DataVolume spec names its class: the PVC API and the storage API. */
const DV_SPEC_FIELDS = ['pvc', 'storage'] as const;

const storageClassMapOption = defineOption<Record<string, string>>({
  schema: nameMapSchema(DNS_SUBDOMAIN_SCHEMA),
  flag: {
    name: 'storage-class-map',
    argument: 'pairs',
    description: 'Replace storage class old by new (old=new, repeatable)',
    documentation: 'PVCs, DataVolumes (`spec.pvc`, `spec.storage`) and VM `dataVolumeTemplates` (repeatable)',
  },
  rewrites: true,
});

export default defineRule({
  name: 'remap-storage-classes',
  description:
    'Remap storage class names in claims, DataVolumes and the dataVolumeTemplates of VirtualMachines and pools.',
  kinds: [Kinds.PersistentVolumeClaim, Kinds.DataVolume, Kinds.VirtualMachine, Kinds.VirtualMachinePool],
  options: { storageClassMap: storageClassMapOption },
  create({ options }) {
    const map = options.storageClassMap;
    if (map === undefined) return NO_CHANGES;
    const remap = (segments: readonly (string | number)[], value: unknown): Op[] =>
      typeof value === 'string' && Object.hasOwn(map, value) ? setOp(pointer(...segments), value, map[value]!) : [];
    const dataVolumeSpec = (spec: unknown, segments: readonly (string | number)[]): Op[] =>
      DV_SPEC_FIELDS.flatMap((field) => remap([...segments, field, 'storageClassName'], get(spec, field, 'storageClassName')));

    return (object) => {
      if (isKind(object, Kinds.PersistentVolumeClaim)) {
        return changes([
          ...remap(['spec', 'storageClassName'], get(object, 'spec', 'storageClassName')),
          ...remap(['metadata', 'annotations', LEGACY_CLASS_ANNOTATION], object.metadata.annotations?.[LEGACY_CLASS_ANNOTATION]),
        ]);
      }
      if (isKind(object, Kinds.DataVolume)) return changes(dataVolumeSpec(object['spec'], ['spec']));
      const site = vmSpecOf(object);
      const templates = site?.spec['dataVolumeTemplates'];
      if (!site || !Array.isArray(templates)) return undefined;
      return changes(
        templates.flatMap((template: unknown, i) =>
          dataVolumeSpec(get(template, 'spec'), [...site.segments, 'dataVolumeTemplates', i, 'spec']),
        ),
      );
    };
  },
});

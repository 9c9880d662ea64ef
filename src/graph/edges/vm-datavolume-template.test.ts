// Tests for the vm-datavolume-template edge family.

import { Kinds } from '../../model/kinds.ts';
import { makeVm } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family from './vm-datavolume-template.ts';

const dv = (name: string, i: number) => ({
  to: { ...Kinds.DataVolume, namespace: 'ns1', name },
  reason: `spec.dataVolumeTemplates[${i}].metadata.name`,
  optional: true,
});

edgeTester.run(family, {
  valid: [
    { name: 'VM without templates', object: makeVm('vm') },
    { name: 'empty template list', object: makeVm('vm', {}, { dataVolumeTemplates: [] }) },
    { name: 'template without a name', object: makeVm('vm', {}, { dataVolumeTemplates: [{ spec: { source: { blank: {} } } }] }) },
  ],
  invalid: [
    {
      name: 'one template',
      object: makeVm('vm', {}, { dataVolumeTemplates: [{ metadata: { name: 'test-dv-template' }, spec: {} }] }),
      edges: [dv('test-dv-template', 0)],
    },
    {
      name: 'two templates, in another namespace',
      object: makeVm('vm', {}, { dataVolumeTemplates: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] }, { namespace: 'ns2' }),
      edges: [
        { ...dv('a', 0), to: { ...Kinds.DataVolume, namespace: 'ns2', name: 'a' } },
        { ...dv('b', 1), to: { ...Kinds.DataVolume, namespace: 'ns2', name: 'b' } },
      ],
    },
  ],
});

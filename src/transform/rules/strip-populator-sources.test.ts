// Tests for strip-populator-sources.

import type { JsonObject } from '../../model/kube-object.ts';
import { ruleTester } from '../rule-tester.ts';
import { pvc } from '../test-fixtures.ts';
import rule from './strip-populator-sources.ts';

const importRef = { apiGroup: 'cdi.kubevirt.io', kind: 'VolumeImportSource', name: 'test-import-source' };
const claimSpec = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } };
const bound = { status: { phase: 'Bound' } };
const claim = (spec: JsonObject, rest: JsonObject = bound, annotations?: Record<string, string>) =>
  pvc('test-pvc', { ...claimSpec, ...spec }, annotations ? { annotations } : {}, rest);

ruleTester.run(rule, {
  valid: [
    { name: 'a claim without a data source', object: claim({}) },
    { name: 'the guide\'s manifest as written (no status): the populator fills it', object: claim({ dataSourceRef: importRef }, {}) },
    { name: 'a claim still Pending: the populator fills it again', object: claim({ dataSourceRef: importRef }, { status: { phase: 'Pending' } }) },
    {
      name: 'a snapshot source is not a populator',
      object: claim({ dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 's' } }),
    },
    { name: 'a foreign populator kind', object: claim({ dataSourceRef: { apiGroup: 'example.com', kind: 'VolumeImportSource', name: 'x' } }) },
  ],
  invalid: [
    {
      name: 'a Bound claim the import populator filled (the guide\'s import_populator_pvc.yaml, exported)',
      object: claim({ dataSourceRef: importRef }),
      ops: [{ op: 'remove', path: '/spec/dataSourceRef', old: importRef }],
      output: claim({}),
    },
    {
      name: 'dataSource mirrors dataSourceRef: both go',
      object: claim({ dataSource: importRef, dataSourceRef: importRef }),
      ops: [
        { op: 'remove', path: '/spec/dataSourceRef', old: importRef },
        { op: 'remove', path: '/spec/dataSource', old: importRef },
      ],
      output: claim({}),
    },
    {
      name: 'CDI recorded the population Succeeded (no status kept)',
      object: claim({ dataSourceRef: { ...importRef, kind: 'VolumeUploadSource' } }, {}, { 'cdi.kubevirt.io/storage.pod.phase': 'Succeeded' }),
      ops: [{ op: 'remove', path: '/spec/dataSourceRef', old: { ...importRef, kind: 'VolumeUploadSource' } }],
      output: claim({}, {}, { 'cdi.kubevirt.io/storage.pod.phase': 'Succeeded' }),
    },
  ],
});

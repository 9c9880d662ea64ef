// Runs transform over each upstream KubeVirt Velero plugin test manifest, file by file.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupOf, type KubeObject } from '../model/kube-object.ts';
import { isClusterScoped } from '../model/kinds.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { loadPeerManifest, PEER_STORAGE_CLASS, peerManifestFiles } from '../testing/peer-manifests.ts';
import { transform } from './engine.ts';
import { validateReport } from './report.ts';

const options = { seed: 'peer', targetNamespace: 'restored', storageClassMap: { [PEER_STORAGE_CLASS]: 'target-class' }, runStrategy: 'Halted' } as const;

const moved = (kind: string) => `remap-namespaces ${kind} /metadata/namespace ns1 → restored`;
const vmTemplateClass = 'remap-storage-classes VirtualMachine /spec/dataVolumeTemplates/0/spec/pvc/storageClassName kvbackup-test → target-class';
const halted = 'set-run-strategy VirtualMachine /spec/runStrategy Always → Halted';
const dvClass = 'remap-storage-classes DataVolume /spec/pvc/storageClassName kvbackup-test → target-class';
const vmWithTemplate = [moved('VirtualMachine'), vmTemplateClass, halted];

/** Every change transform must make to each file with `options`, as `rule kind path old → new`. */
const EXPECTED: Record<string, string[]> = {
  'accessCredentialsSecret.yaml': [moved('Secret')],
  'blank_datavolume.yaml': [moved('DataVolume'), dvClass],
  'cluster-instancetype.yaml': [],
  'cluster-preference.yaml': [],
  'configmap.yaml': [moved('ConfigMap')],
  'dv_for_pvc.yaml': [moved('DataVolume'), dvClass],
  'dv_with_guest_agent_image.yaml': [moved('DataVolume'), dvClass],
  'instancetype.yaml': [moved('VirtualMachineInstancetype')],
  'preference.yaml': [moved('VirtualMachinePreference')],
  'secret.yaml': [moved('Secret')],
  'vm_for_hotplug.yaml': vmWithTemplate,
  'vm_with_access_credentials.yaml': vmWithTemplate,
  'vm_with_clusterinstancetype_and_clusterpreference.yaml': vmWithTemplate,
  'vm_with_different_volume_types.yaml': vmWithTemplate,
  'vm_with_dv_and_dvtemplate.yaml': vmWithTemplate,
  'vm_with_instancetype_and_preference.yaml': vmWithTemplate,
  'vm_with_pvc.yaml': [moved('VirtualMachine'), halted],
  'vmi_with_dv.yaml': [moved('VirtualMachineInstance')],
};

/** The object as a cluster returns it: server fields and a status added. */
function asServerReturnsIt(object: KubeObject, i: number): KubeObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(1000 + i),
      generation: 1,
      creationTimestamp: '2024-05-01T10:00:00Z',
      managedFields: [{ manager: 'kubectl-create', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: {} }],
    },
    status: { observedGeneration: 1 },
  };
}

describe('transform over the upstream manifests', () => {
  it('has an expectation for every file', () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), peerManifestFiles());
  });

  for (const file of peerManifestFiles()) {
    describe(file, () => {
      const objects = loadPeerManifest(file);

      it('moves, remaps classes and halts VMs, and changes nothing else', () => {
        const { objects: output, report } = transform(ObjectIndex.of(objects), options);
        validateReport(JSON.parse(JSON.stringify(report)));
        const changes = report.changes.map((c) => `${c.rule} ${c.object.kind} ${c.path} ${String(c.old)} → ${String(c.new)}`);
        assert.deepEqual(changes, EXPECTED[file]);
        assert.deepEqual(report.dropped, []);
        assert.deepEqual(report.warnings, []);
        assert.equal(output.length, objects.length);
        for (const object of output) {
          const clusterScoped = isClusterScoped(groupOf(object.apiVersion), object.kind);
          assert.equal(object.metadata.namespace, clusterScoped ? undefined : 'restored');
        }
      });

      it('needs no change with the default options', () => {
        const { objects: output, report } = transform(ObjectIndex.of(objects), { seed: 'peer' });
        assert.deepEqual(report.changes, []);
        assert.equal(output.length, objects.length);
        assert.ok(output.every((object) => objects.includes(object)), 'untouched objects are passed through as they are');
      });

      it('turns the objects a cluster returns back into the manifests', () => {
        const served = objects.map(asServerReturnsIt);
        const { objects: output, report } = transform(ObjectIndex.of(served), { seed: 'peer' });
        assert.deepEqual(output, transform(ObjectIndex.of(objects), { seed: 'peer' }).objects);
        assert.ok(report.changes.every((change) => change.rule === 'strip-server-metadata'));
        assert.equal(report.changes.length, served.length * 6);
      });
    });
  }
});

// Runs buildGraph over each KubeVirt Velero plugin test manifest, file by file, and over the guide's scenarios.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectIndex } from '../model/object-index.ts';
import { describeRef } from '../model/object-ref.ts';
import { loadPeerManifest, peerManifestFiles } from '../testing/peer-manifests.ts';
import { buildGraph, type Graph } from './build-graph.ts';
import { graphRoots, missingRequired } from './graph-queries.ts';

/** `from -> to: reason`, with `(optional)` before the colon: one line per edge, easy to check by hand. */
function edgeLines(graph: Graph): string[] {
  return graph.edges.map(
    (edge) => `${describeRef(edge.from)} -> ${describeRef(edge.to)}${edge.optional ? ' (optional)' : ''}: ${edge.reason}`,
  );
}

function graphOf(...files: string[]): Graph {
  return buildGraph(ObjectIndex.of(files.flatMap((file) => loadPeerManifest(file, 'ns1'))));
}

const VM = 'VirtualMachine.kubevirt.io ns1/';
const DV = 'DataVolume.cdi.kubevirt.io ns1/';
const PVC = 'PersistentVolumeClaim ns1/';
const VOLUMES = 'spec.template.spec.volumes';

interface Expected {
  edges: string[];
  /** Nodes marked missing, as describeRef prints them. */
  missing: string[];
  /** Targets missingRequired lists (a subset of `missing`). */
  required: string[];
  roots: string[];
}

const none: Expected = { edges: [], missing: [], required: [], roots: [] };

/** Checked by hand against the manifests: every file of the folder must be listed. */
const EXPECTED: Record<string, Expected> = {
  'accessCredentialsSecret.yaml': none,
  'blank_datavolume.yaml': none,
  'cluster-instancetype.yaml': none,
  'cluster-preference.yaml': none,
  'configmap.yaml': none,
  'dv_for_pvc.yaml': none,
  'dv_with_guest_agent_image.yaml': none,
  'instancetype.yaml': none,
  'preference.yaml': none,
  'secret.yaml': none,
  'vm_for_hotplug.yaml': {
    edges: [
      `${VM}test-vm-for-hotplug -> ${PVC}test-dv-template (optional): ${VOLUMES}[0].dataVolume.name`,
      `${VM}test-vm-for-hotplug -> ${DV}test-dv-template (optional): spec.dataVolumeTemplates[0].metadata.name`,
      `${VM}test-vm-for-hotplug -> ${DV}test-dv-template (optional): ${VOLUMES}[0].dataVolume.name`,
    ],
    missing: [`${PVC}test-dv-template`, `${DV}test-dv-template`],
    required: [],
    roots: [`${VM}test-vm-for-hotplug`],
  },
  'vm_with_access_credentials.yaml': {
    edges: [
      `${VM}test-vm-with-access-credentials -> ${PVC}test-dv (optional): ${VOLUMES}[0].dataVolume.name`,
      `${VM}test-vm-with-access-credentials -> Secret ns1/test-access-credentials-secret: spec.template.spec.accessCredentials[0].userPassword.source.secret.secretName`,
      `${VM}test-vm-with-access-credentials -> ${DV}test-dv (optional): spec.dataVolumeTemplates[0].metadata.name`,
      `${VM}test-vm-with-access-credentials -> ${DV}test-dv (optional): ${VOLUMES}[0].dataVolume.name`,
    ],
    missing: [`${PVC}test-dv`, 'Secret ns1/test-access-credentials-secret', `${DV}test-dv`],
    required: ['Secret ns1/test-access-credentials-secret'],
    roots: [`${VM}test-vm-with-access-credentials`],
  },
  'vm_with_clusterinstancetype_and_clusterpreference.yaml': {
    edges: [
      `${VM}test-vm-with-instancetype-and-preference -> ${PVC}test-dv (optional): ${VOLUMES}[0].dataVolume.name`,
      `${VM}test-vm-with-instancetype-and-preference -> ${DV}test-dv (optional): spec.dataVolumeTemplates[0].metadata.name`,
      `${VM}test-vm-with-instancetype-and-preference -> ${DV}test-dv (optional): ${VOLUMES}[0].dataVolume.name`,
      `${VM}test-vm-with-instancetype-and-preference -> VirtualMachineClusterInstancetype.instancetype.kubevirt.io test-vm-instancetype (optional): spec.instancetype.name`,
      `${VM}test-vm-with-instancetype-and-preference -> VirtualMachineClusterPreference.instancetype.kubevirt.io test-vm-preference (optional): spec.preference.name`,
    ],
    missing: [
      `${PVC}test-dv`,
      `${DV}test-dv`,
      'VirtualMachineClusterInstancetype.instancetype.kubevirt.io test-vm-instancetype',
      'VirtualMachineClusterPreference.instancetype.kubevirt.io test-vm-preference',
    ],
    required: [],
    roots: [`${VM}test-vm-with-instancetype-and-preference`],
  },
  'vm_with_different_volume_types.yaml': {
    edges: [
      `${VM}test-vm-with-different-volume-types -> ConfigMap ns1/test-configmap: ${VOLUMES}[1].configMap.name`,
      `${VM}test-vm-with-different-volume-types -> ${PVC}test-dv (optional): ${VOLUMES}[0].dataVolume.name`,
      `${VM}test-vm-with-different-volume-types -> Secret ns1/test-secret: ${VOLUMES}[2].secret.secretName`,
      `${VM}test-vm-with-different-volume-types -> ServiceAccount ns1/default (optional): ${VOLUMES}[3].serviceAccount.serviceAccountName`,
      `${VM}test-vm-with-different-volume-types -> ${DV}test-dv (optional): spec.dataVolumeTemplates[0].metadata.name`,
      `${VM}test-vm-with-different-volume-types -> ${DV}test-dv (optional): ${VOLUMES}[0].dataVolume.name`,
    ],
    missing: ['ConfigMap ns1/test-configmap', `${PVC}test-dv`, 'Secret ns1/test-secret', 'ServiceAccount ns1/default', `${DV}test-dv`],
    required: ['ConfigMap ns1/test-configmap', 'Secret ns1/test-secret'],
    roots: [`${VM}test-vm-with-different-volume-types`],
  },
  'vm_with_dv_and_dvtemplate.yaml': {
    edges: [
      `${VM}test-vm-with-dv-and-dvtemplate -> ${PVC}test-dv (optional): ${VOLUMES}[0].dataVolume.name`,
      `${VM}test-vm-with-dv-and-dvtemplate -> ${PVC}test-dv-template (optional): ${VOLUMES}[1].dataVolume.name`,
      `${VM}test-vm-with-dv-and-dvtemplate -> ${DV}test-dv: ${VOLUMES}[0].dataVolume.name`,
      `${VM}test-vm-with-dv-and-dvtemplate -> ${DV}test-dv-template (optional): spec.dataVolumeTemplates[0].metadata.name`,
      `${VM}test-vm-with-dv-and-dvtemplate -> ${DV}test-dv-template (optional): ${VOLUMES}[1].dataVolume.name`,
    ],
    missing: [`${PVC}test-dv`, `${PVC}test-dv-template`, `${DV}test-dv`, `${DV}test-dv-template`],
    required: [`${DV}test-dv`],
    roots: [`${VM}test-vm-with-dv-and-dvtemplate`],
  },
  'vm_with_instancetype_and_preference.yaml': {
    // The manifest spells the kinds in lower case, which KubeVirt reads as the namespaced kinds.
    edges: [
      `${VM}test-vm-with-instancetype-and-preference -> ${PVC}test-dv (optional): ${VOLUMES}[0].dataVolume.name`,
      `${VM}test-vm-with-instancetype-and-preference -> ${DV}test-dv (optional): spec.dataVolumeTemplates[0].metadata.name`,
      `${VM}test-vm-with-instancetype-and-preference -> ${DV}test-dv (optional): ${VOLUMES}[0].dataVolume.name`,
      `${VM}test-vm-with-instancetype-and-preference -> VirtualMachineInstancetype.instancetype.kubevirt.io ns1/test-vm-instancetype: spec.instancetype.name`,
      `${VM}test-vm-with-instancetype-and-preference -> VirtualMachinePreference.instancetype.kubevirt.io ns1/test-vm-preference: spec.preference.name`,
    ],
    missing: [
      `${PVC}test-dv`,
      `${DV}test-dv`,
      'VirtualMachineInstancetype.instancetype.kubevirt.io ns1/test-vm-instancetype',
      'VirtualMachinePreference.instancetype.kubevirt.io ns1/test-vm-preference',
    ],
    required: [
      'VirtualMachineInstancetype.instancetype.kubevirt.io ns1/test-vm-instancetype',
      'VirtualMachinePreference.instancetype.kubevirt.io ns1/test-vm-preference',
    ],
    roots: [`${VM}test-vm-with-instancetype-and-preference`],
  },
  'vm_with_pvc.yaml': {
    edges: [`${VM}test-vm-with-pvc -> ${PVC}test-pvc: ${VOLUMES}[0].persistentVolumeClaim.claimName`],
    missing: [`${PVC}test-pvc`],
    required: [`${PVC}test-pvc`],
    roots: [`${VM}test-vm-with-pvc`],
  },
  'vmi_with_dv.yaml': {
    edges: [
      `VirtualMachineInstance.kubevirt.io ns1/test-vmi-with-dv -> ${PVC}test-dv (optional): spec.volumes[0].dataVolume.name`,
      `VirtualMachineInstance.kubevirt.io ns1/test-vmi-with-dv -> ${DV}test-dv: spec.volumes[0].dataVolume.name`,
    ],
    missing: [`${PVC}test-dv`, `${DV}test-dv`],
    required: [`${DV}test-dv`],
    roots: ['VirtualMachineInstance.kubevirt.io ns1/test-vmi-with-dv'],
  },
};

describe('graph of each peer manifest file', () => {
  it('has an expectation for every manifest file', () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), peerManifestFiles());
  });

  for (const file of peerManifestFiles()) {
    it(file, () => {
      const expected = EXPECTED[file];
      assert.ok(expected, `no expectation for ${file}`);
      const graph = graphOf(file);
      assert.deepEqual(edgeLines(graph), expected.edges);
      assert.deepEqual(graph.nodes.filter((node) => node.missing).map(describeRef), expected.missing);
      assert.deepEqual(missingRequired(graph).map(describeRef), expected.required);
      assert.deepEqual(graphRoots(graph).map(describeRef), expected.roots);
      const present = graph.nodes.filter((node) => !node.missing).length;
      assert.equal(present, loadPeerManifest(file).length, 'every object of the file is a node');
    });
  }
});

// The guide's test scenarios apply these files together in one namespace. Each set is complete but one: the PVC
// that dv_for_pvc.yaml makes exists only on a cluster, and a persistentVolumeClaim volume needs it.
const SCENARIOS: Record<string, { files: string[]; required: string[] }> = {
  'VM with DataVolume and dataVolumeTemplate': { files: ['blank_datavolume.yaml', 'vm_with_dv_and_dvtemplate.yaml'], required: [] },
  'VM with PVC': { files: ['dv_for_pvc.yaml', 'vm_with_pvc.yaml'], required: [`${PVC}test-pvc`] },
  'hotplug': { files: ['vm_for_hotplug.yaml', 'blank_datavolume.yaml'], required: [] },
  'different volume types': { files: ['configmap.yaml', 'secret.yaml', 'vm_with_different_volume_types.yaml'], required: [] },
  'access credentials': { files: ['accessCredentialsSecret.yaml', 'vm_with_access_credentials.yaml'], required: [] },
  'instancetype and preference': {
    files: ['instancetype.yaml', 'preference.yaml', 'vm_with_instancetype_and_preference.yaml'],
    required: [],
  },
  'cluster instancetype and preference': {
    files: ['cluster-instancetype.yaml', 'cluster-preference.yaml', 'vm_with_clusterinstancetype_and_clusterpreference.yaml'],
    required: [],
  },
  'standalone VMI with DataVolume': { files: ['dv_with_guest_agent_image.yaml', 'vmi_with_dv.yaml'], required: [] },
};

describe("graph of the guide's scenarios", () => {
  for (const [name, { files, required }] of Object.entries(SCENARIOS)) {
    it(`${name}: missing required targets`, () => {
      assert.deepEqual(missingRequired(graphOf(...files)).map(describeRef), required);
    });
  }

  it('a PVC volume links to the DataVolume of the same name once it is in the input', () => {
    assert.ok(edgeLines(graphOf('dv_for_pvc.yaml', 'vm_with_pvc.yaml')).includes(
      `${VM}test-vm-with-pvc -> ${DV}test-pvc (optional): ${VOLUMES}[0].persistentVolumeClaim.claimName`,
    ));
  });

  it('cluster-scoped instancetypes stay external when present', () => {
    const graph = graphOf(...(SCENARIOS['cluster instancetype and preference']?.files ?? []));
    assert.deepEqual(graph.nodes.filter((node) => node.external).map((node) => [describeRef(node), node.missing ?? false]), [
      ['VirtualMachineClusterInstancetype.instancetype.kubevirt.io test-vm-instancetype', false],
      ['VirtualMachineClusterPreference.instancetype.kubevirt.io test-vm-preference', false],
    ]);
  });
});

// The inspect result and its text form.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatInspect } from './format-inspect.ts';
import { buildInspectResult } from './inspect-result.ts';
import { buildTrailer } from './checksums.ts';
import { schemaErrors } from './validators.ts';

const vm = { group: 'kubevirt.io', kind: 'VirtualMachine', namespace: 'ns1', name: 'vm1' };
const pvc = { group: '', kind: 'PersistentVolumeClaim', namespace: 'ns1', name: 'disk1' };
const secret = { group: '', kind: 'Secret', namespace: 'ns1', name: 'gone' };

const result = buildInspectResult({
  header: {
    format: 'kubectl-kvbackup',
    formatVersion: 'v1alpha1',
    toolVersion: '0.1.0',
    createdAt: '2025-01-02T03:04:05Z',
    source: { server: 'https://api:6443', kubernetesVersion: 'v1.33.1', kubevirtVersion: 'v1.6.0' },
    selection: { namespaces: ['ns1'], selector: 'app=db' },
    contents: { objects: 2, exports: 1, data: 1 },
  },
  graph: {
    nodes: [pvc, { ...secret, missing: true }, vm],
    edges: [
      { from: vm, to: pvc, reason: 'spec.template.spec.volumes[0].persistentVolumeClaim.claimName', optional: false },
      { from: vm, to: secret, reason: 'spec.template.spec.accessCredentials[0]', optional: false },
    ],
  },
  objects: [
    { ref: pvc, path: 'objects/core/PersistentVolumeClaim/ns1/disk1.json' },
    { ref: vm, path: 'objects/kubevirt.io/VirtualMachine/ns1/vm1.json' },
  ],
  exports: [
    {
      namespace: 'ns1',
      vmName: 'vm1',
      exportName: 'kvbackup-vm1',
      phase: 'Ready',
      links: { internal: { cert: 'PEM', volumes: [{ name: 'disk1', formats: [{ format: 'gzip', url: 'https://svc/volumes/disk1/disk.img.gz' }] }], manifests: [{ type: 'all', url: 'https://svc/internal/manifests/all' }] } },
      tokenSecretRef: { namespace: 'ns1', name: 'kvbackup-vm1-token' },
      token: 'never shown',
      data: [{ volume: 'disk1', format: 'gzip', path: 'data/ns1/disk1/disk.img.gz', size: 2048 }],
    },
  ],
  trailer: buildTrailer([
    { path: 'kvbackup.json', size: 10, sha256: 'a'.repeat(64) },
    { path: 'data/ns1/disk1/disk.img.gz', size: 2048, sha256: 'b'.repeat(64) },
  ]),
});

describe('inspect output', () => {
  it('builds a result that matches the inspect schema and never carries the token', () => {
    assert.deepEqual(schemaErrors('inspect.v1alpha1', result), []);
    assert.doesNotMatch(JSON.stringify(result), /never shown|"PEM"/);
    assert.deepEqual(result.graph, { nodes: 3, edges: 2, missing: 1, missingRequired: 1, roots: 1 });
    assert.deepEqual(result.totals, { entries: 3, dataBytes: 2048 });
  });

  it('prints header facts, objects, graph counts, export links and data sizes', () => {
    assert.equal(
      formatInspect(result),
      [
        'Bundle:      v1alpha1, written by kubectl-kvbackup 0.1.0 at 2025-01-02T03:04:05Z',
        'Source:      https://api:6443 (Kubernetes v1.33.1, KubeVirt v1.6.0)',
        'Selection:   namespaces ns1; selector app=db',
        'Contents:    2 objects, 1 export record, 1 data entry',
        'Graph:       3 nodes, 2 edges, 1 missing (1 required), 1 root',
        '',
        'Objects (2):',
        '  PersistentVolumeClaim ns1/disk1',
        '  VirtualMachine.kubevirt.io ns1/vm1',
        '',
        'Exports (1):',
        '  ns1/vm1: VirtualMachineExport kvbackup-vm1 (Ready), token Secret ns1/kvbackup-vm1-token, token included',
        '    internal links (with CA certificate):',
        '      volume disk1 gzip: https://svc/volumes/disk1/disk.img.gz',
        '      manifests all: https://svc/internal/manifests/all',
        '    data: disk1 gzip -> data/ns1/disk1/disk.img.gz (2 KiB)',
        '',
        'Data (1 entry, 2 KiB):',
        `  data/ns1/disk1/disk.img.gz  2 KiB (2048 bytes)  sha256:${'b'.repeat(64)}`,
        '',
      ].join('\n'),
    );
  });
});

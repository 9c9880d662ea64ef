import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../errors.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { parseAllowedKinds, refusedObjects } from './allow-list.ts';
import { withKindScope } from './scope.ts';

const object = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject =>
  ({ apiVersion, kind, metadata: namespace === undefined ? { name } : { name, namespace } }) as KubeObject;

describe('the restore allow-list', () => {
  const hostile = [
    object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'pwn'),
    object('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'hook'),
    object('v1', 'Pod', 'shell', 'ns1'),
    object('storage.k8s.io/v1', 'StorageClass', 'fast'),
    object('export.kubevirt.io/v1', 'VirtualMachineExport', 'leak', 'ns1'),
  ];
  const backup = [
    object('kubevirt.io/v1', 'VirtualMachine', 'vm', 'ns1'),
    object('v1', 'Secret', 's', 'ns1'),
    object('cdi.kubevirt.io/v1beta1', 'DataVolume', 'dv', 'ns1'),
    object('instancetype.kubevirt.io/v1beta1', 'VirtualMachineClusterInstancetype', 'big'),
  ];

  it('lets through what a VM backup holds and refuses everything else, naming the flag that would allow it', () => {
    assert.deepEqual(refusedObjects(backup, new Set()), []);
    assert.deepEqual(refusedObjects([...backup, ...hostile], new Set()), [
      'ClusterRoleBinding.rbac.authorization.k8s.io pwn (--allow-kind ClusterRoleBinding.rbac.authorization.k8s.io)',
      'MutatingWebhookConfiguration.admissionregistration.k8s.io hook (--allow-kind MutatingWebhookConfiguration.admissionregistration.k8s.io)',
      'Pod ns1/shell (--allow-kind Pod)',
      'StorageClass.storage.k8s.io fast (--allow-kind StorageClass.storage.k8s.io)',
      'VirtualMachineExport.export.kubevirt.io ns1/leak (--allow-kind VirtualMachineExport.export.kubevirt.io)',
    ]);
  });

  it('--allow-kind KIND.GROUP widens it, one kind at a time', () => {
    const allowed = parseAllowedKinds(['Pod', 'StorageClass.storage.k8s.io']);
    assert.deepEqual(refusedObjects(hostile, allowed).length, 3);
    assert.throws(() => parseAllowedKinds(['pods']), UsageError);
    assert.throws(() => parseAllowedKinds(['Pod.']), UsageError);
  });
});

describe('scope from the kind', () => {
  it('drops the namespace of cluster-scoped kinds, KubeVirt and CDI ones included', () => {
    for (const [apiVersion, kind] of [
      ['migrations.kubevirt.io/v1alpha1', 'MigrationPolicy'],
      ['cdi.kubevirt.io/v1beta1', 'CDIConfig'],
      ['cdi.kubevirt.io/v1beta1', 'StorageProfile'],
      ['instancetype.kubevirt.io/v1beta1', 'VirtualMachineClusterPreference'],
    ] as const) {
      assert.equal(withKindScope(object(apiVersion, kind, 'x', 'ns1'), 'default').metadata.namespace, undefined, kind);
    }
  });

  it('gives namespaced kinds without a namespace the -n one, and leaves unknown kinds to discovery', () => {
    assert.equal(withKindScope(object('v1', 'ConfigMap', 'c'), 'team').metadata.namespace, 'team');
    assert.equal(withKindScope(object('v1', 'ConfigMap', 'c', 'ns1'), 'team').metadata.namespace, 'ns1');
    assert.equal(withKindScope(object('example.com/v1', 'Widget', 'w'), 'team').metadata.namespace, undefined);
  });
});

describe('cluster-scoped KubeVirt and CDI kinds everywhere', () => {
  it('transform --target-namespace and -n give them no namespace, and the graph gives them no namespace', async () => {
    const { runCli } = await import('../testing/run-cli.ts');
    const { makeTempDir } = await import('../testing/temp-dir.ts');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const file = join(makeTempDir('kvb-scope-'), 'in.json');
    const items = [
      object('migrations.kubevirt.io/v1alpha1', 'MigrationPolicy', 'mp'),
      object('cdi.kubevirt.io/v1beta1', 'CDIConfig', 'config'),
      object('cdi.kubevirt.io/v1beta1', 'StorageProfile', 'fast'),
      object('v1', 'ConfigMap', 'cm', 'old'),
    ];
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    const transformed = await runCli(['transform', '-f', file, '-n', 'old', '--target-namespace', 'new', '--seed', 's', '-o', 'json']);
    assert.equal(transformed.code, 0, transformed.stderr);
    const out = JSON.parse(transformed.stdout.toString()) as { items: KubeObject[] };
    for (const item of out.items) assert.equal(item.metadata.namespace, item.kind === 'ConfigMap' ? 'new' : undefined, item.kind);
    const graph = await runCli(['graph', '-f', file, '-n', 'old', '-o', 'json']);
    assert.equal(graph.code, 0, graph.stderr);
    const nodes = (JSON.parse(graph.stdout.toString()) as { nodes: { kind: string; namespace: string }[] }).nodes;
    for (const node of nodes) assert.equal(node.namespace, node.kind === 'ConfigMap' ? 'old' : '', node.kind);
  });
});

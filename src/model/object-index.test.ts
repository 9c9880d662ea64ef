import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../errors.ts';
import type { KubeObject } from './kube-object.ts';
import { ObjectIndex } from './object-index.ts';
import { withDefaultNamespace } from './default-namespace.ts';

const object = (apiVersion: string, kind: string, name: string, metadata: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...metadata },
});

describe('ObjectIndex', () => {
  const vmi = object('kubevirt.io/v1', 'VirtualMachineInstance', 'vm1', { namespace: 'ns1', uid: 'u-vmi' });
  const pod = object('v1', 'Pod', 'virt-launcher-vm1-x', {
    namespace: 'ns1',
    labels: { 'kubevirt.io/created-by': 'u-vmi' },
    ownerReferences: [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', name: 'vm1', uid: 'u-vmi' }],
  });
  const otherPod = object('v1', 'Pod', 'p', { namespace: 'ns2', labels: { 'kubevirt.io/created-by': 'u-vmi' } });
  const clusterType = object('instancetype.kubevirt.io/v1beta1', 'VirtualMachineClusterInstancetype', 'big', { namespace: 'ignored' });
  const index = ObjectIndex.of([otherPod, clusterType, pod, vmi]);

  it('finds objects by ref, giving cluster-scoped objects no namespace', () => {
    assert.equal(index.get({ group: 'kubevirt.io', kind: 'VirtualMachineInstance', namespace: 'ns1', name: 'vm1' }), vmi);
    assert.equal(index.get({ group: 'instancetype.kubevirt.io', kind: 'VirtualMachineClusterInstancetype', namespace: '', name: 'big' }), clusterType);
    assert.equal(index.has({ group: '', kind: 'Pod', namespace: 'ns9', name: 'p' }), false);
  });

  it('looks up by uid, owner and label within a namespace', () => {
    assert.equal(index.byUid('u-vmi'), vmi);
    assert.deepEqual(index.ownedBy('u-vmi'), [pod]);
    assert.deepEqual(index.withLabel('ns1', 'kubevirt.io/created-by', 'u-vmi'), [pod]);
    assert.deepEqual(index.withLabel('ns2', 'kubevirt.io/created-by', 'u-vmi'), [otherPod]);
  });

  it('lists entries sorted by group, kind, namespace, name', () => {
    assert.deepEqual(index.objects(), [pod, otherPod, clusterType, vmi]);
    assert.deepEqual(index.ofKind('', 'Pod'), [pod, otherPod]);
  });

  it('refuses two objects with one identity, naming both sources', () => {
    const a = { object: object('v1', 'Secret', 's', { namespace: 'ns1' }), source: 'a.yaml' };
    const b = { object: object('v1', 'Secret', 's'), source: 'b.yaml' };
    assert.throws(() => new ObjectIndex([a, b], 'ns1'), new InputError('duplicate object Secret ns1/s (in a.yaml and b.yaml)'));
  });
});

describe('withDefaultNamespace', () => {
  it('sets the namespace right after the name on namespaced objects only', () => {
    const secret = withDefaultNamespace(object('v1', 'Secret', 's', { labels: { a: 'b' } }), 'dev');
    assert.deepEqual(Object.keys(secret.metadata), ['name', 'namespace', 'labels']);
    assert.equal(secret.metadata.namespace, 'dev');
    const cluster = object('instancetype.kubevirt.io/v1beta1', 'VirtualMachineClusterPreference', 'p');
    assert.equal(withDefaultNamespace(cluster, 'dev'), cluster);
    const placed = object('v1', 'Secret', 's', { namespace: 'prod' });
    assert.equal(withDefaultNamespace(placed, 'dev'), placed);
  });
});

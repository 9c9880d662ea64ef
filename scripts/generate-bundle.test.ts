// The benchmark bundle generator: a valid bundle, the same bytes for the same seed, settled objects that hang together.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { openBundle } from '../src/io/tar/bundle-reader.ts';
import { generateBundle } from './generate-bundle.ts';
import type { KubeObject } from '../src/model/kube-object.ts';
import { SimSwitches } from './e2e/simulator.ts';
import { claimOf, dataVolumeOf, OBJECTS_PER_VM, settledObjects, userObjects } from './bench/vm-set.ts';

async function bytesOf(vms: number, seed: string): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await generateBundle(out, { vms, namespace: 'bench', seed, gzip: true });
  return Buffer.concat(chunks);
}

describe('generate-bundle', () => {
  it('writes a bundle the reader accepts, with every object of every VM and a graph over them', async () => {
    const reader = await openBundle(Readable.from([await bytesOf(3, 'test')]));
    const metadata = await reader.metadata();
    await reader.finish();
    assert.equal(metadata.objects.length, 3 * OBJECTS_PER_VM);
    assert.equal(metadata.header.contents.objects, 3 * OBJECTS_PER_VM);
    assert.equal(metadata.graph.nodes.length, 3 * OBJECTS_PER_VM);
    assert.ok(metadata.graph.nodes.every((node) => !('missing' in node)), 'every dependency is in the bundle');
    const kinds = new Set(metadata.objects.map(({ object }) => object.kind));
    assert.deepEqual([...kinds].sort(), ['ConfigMap', 'ControllerRevision', 'DataVolume', 'PersistentVolumeClaim', 'Secret', 'VirtualMachine', 'VirtualMachineInstancetype']);
  });

  it('is deterministic: the same seed gives the same bytes, another seed other identities', async () => {
    assert.deepEqual(await bytesOf(2, 'a'), await bytesOf(2, 'a'));
    const [vmA] = settledObjects('a', 'bench', 1);
    const [vmB] = settledObjects('b', 'bench', 1);
    assert.notEqual(vmA?.metadata.uid, vmB?.metadata.uid);
    assert.notDeepEqual(JSON.stringify(vmA?.spec), JSON.stringify(vmB?.spec), 'MACs and firmware ids come from the seed');
  });

  it('links the settled objects as the controllers do: VM → DataVolume → PVC by owner uid, revision named in the VM status', () => {
    const [vm, dataVolume, claim, , , instancetype, revision] = settledObjects('s', 'bench', 7);
    assert.equal(dataVolume?.metadata.ownerReferences?.[0]?.uid, vm?.metadata.uid);
    assert.equal(claim?.metadata.ownerReferences?.[0]?.uid, dataVolume?.metadata.uid);
    assert.equal(revision?.metadata.ownerReferences?.[0]?.uid, vm?.metadata.uid);
    assert.equal((vm?.status as { instancetypeRef: { controllerRevisionRef: { name: string } } }).instancetypeRef.controllerRevisionRef.name, revision?.metadata.name);
    assert.equal(revision?.metadata.labels?.['instancetype.kubevirt.io/object-uid'], instancetype?.metadata.uid);
    assert.equal((dataVolume?.status as { phase: string }).phase, 'Succeeded');
    assert.equal((claim?.status as { phase: string }).phase, 'Bound');
  });

  it('carries a requested volume size from the VM template to the DataVolume and its PVC', () => {
    const vm = userObjects('s', 'bench', 1, { diskBytes: 1024 })[3] as KubeObject;
    const dataVolume = dataVolumeOf({ ...vm, metadata: { ...vm.metadata, uid: 'vm-uid' } });
    const claim = claimOf('s', { ...dataVolume, metadata: { ...dataVolume.metadata, uid: 'dv-uid' } });
    assert.equal(dataVolume.metadata.annotations?.[SimSwitches.diskSize.annotation], '1024');
    assert.equal(claim.metadata.annotations?.[SimSwitches.diskSize.annotation], '1024');
    assert.equal(claim.metadata.annotations?.['cdi.kubevirt.io/createdForDataVolume'], 'dv-uid');
  });
});

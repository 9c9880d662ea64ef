// End to end on the real control plane: restoring volumes whose DataVolume CDI garbage-collected, and cloud-init
// data that names a remapped MAC.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readObject } from '../scripts/e2e/cluster.ts';
import { E2eSession } from '../scripts/e2e/fixtures.ts';
import type { JsonObject, KubeObject } from '../src/model/kube-object.ts';
import { runCli } from '../src/testing/run-cli.ts';

const session = new E2eSession('kvbackup-restore-storage-e2e-');
const { work } = session;

async function read(apiVersion: string, kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
  return (await readObject(session.kc, { apiVersion, kind, metadata: { name, namespace } }).catch(() => undefined)) as KubeObject | undefined;
}

const SOURCE = 'apps';

/** A running VM with one interface (MAC `mac`) and the given volumes, as a cluster returns it. */
function vm(name: string, mac: string, volumes: JsonObject[]): KubeObject {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, namespace: SOURCE, uid: `uid-${name}`, resourceVersion: '7' },
    spec: {
      runStrategy: 'Always',
      template: {
        spec: {
          domain: {
            devices: {
              disks: volumes.map((volume) => ({ name: (volume as { name: string }).name, disk: { bus: 'virtio' } })),
              interfaces: [{ name: 'default', masquerade: {}, macAddress: mac }],
            },
            resources: { requests: { memory: '128Mi' } },
          },
          networks: [{ name: 'default', pod: {} }],
          volumes,
        },
      },
    },
    status: { printableStatus: 'Running' },
  };
}

describe('restore of a volume whose DataVolume CDI garbage-collected', () => {
  // What CDI's garbage collection leaves (pkg/controller/datavolume/garbagecollect.go): the claim, owned by the
  // DataVolume's owner instead, without populatedFor; the DataVolume itself is gone.
  const claim: KubeObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: 'gc-disk',
      namespace: SOURCE,
      uid: 'uid-claim',
      annotations: { 'cdi.kubevirt.io/storage.pod.phase': 'Succeeded', 'pv.kubernetes.io/bind-completed': 'yes' },
      ownerReferences: [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name: 'vm-gc', uid: 'uid-vm-gc', controller: true }],
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv-gone' },
    status: { phase: 'Bound' },
  };
  const input = () => session.writeInput('gc.json', [vm('vm-gc', '52:54:00:10:00:01', [{ name: 'disk', dataVolume: { name: 'gc-disk' } }]), claim]);

  it('has a complete graph: the claim satisfies the dataVolume volume', async () => {
    const { code, stdout, stderr } = await runCli(['graph', '-f', input(), '-o', 'json', '--require-complete']);
    assert.equal(code, 0, stderr);
    const graph = JSON.parse(stdout.toString('utf8')) as { edges: { to: { kind: string; name: string }; optional: boolean }[] };
    const toClaim = graph.edges.find((edge) => edge.to.kind === 'PersistentVolumeClaim' && edge.to.name === 'gc-disk');
    assert.equal(toClaim?.optional, false, 'the claim is what the volume needs');
  });

  it('restores the claim and the VM, which runs on it, and a second run changes nothing', async () => {
    const target = session.unusedNamespace('kvb-gc-dv');
    const first = await runCli(['restore', '--kubeconfig', session.plane.kubeconfig, '-f', input(), '--target-namespace', target, '--wait', '--timeout', '60'], { offline: false });
    assert.equal(first.code, 0, first.stderr);
    for (const line of [`ready PersistentVolumeClaim ${target}/gc-disk`, `ready VirtualMachine.kubevirt.io ${target}/vm-gc`]) {
      assert.ok(first.stderr.includes(line), `missing "${line}" in:\n${first.stderr}`);
    }
    const restored = await read('v1', 'PersistentVolumeClaim', target, 'gc-disk');
    assert.equal((restored?.status as { phase?: string }).phase, 'Bound');
    assert.equal(restored?.metadata.annotations?.['cdi.kubevirt.io/storage.populatedFor'], undefined, 'no DataVolume adopts it');
    assert.equal(await read('cdi.kubevirt.io/v1beta1', 'DataVolume', target, 'gc-disk'), undefined, 'no DataVolume is created');
    const running = await read('kubevirt.io/v1', 'VirtualMachine', target, 'vm-gc');
    assert.equal((running?.status as { printableStatus?: string }).printableStatus, 'Running');

    const second = await runCli(['restore', '--kubeconfig', session.plane.kubeconfig, '-f', input(), '--target-namespace', target, '-o', 'json'], { offline: false });
    assert.equal(second.code, 0, second.stderr);
    const summary = JSON.parse(second.stdout.toString('utf8')) as { objects: { ref: { kind: string }; outcome: string }[] };
    assert.deepEqual([...new Set(summary.objects.map((object) => object.outcome))], ['unchanged']);
  });
});

describe('restore of cloud-init data that names a remapped MAC', () => {
  it('rewrites the network data of the cloud-init Secret with the interface mapping, on the cluster', async () => {
    const target = session.unusedNamespace('kvb-cloud-init');
    const mac = '52:54:00:20:00:01';
    const networkData = (address: string) => `version: 2\nethernets:\n  eth0:\n    match:\n      macaddress: "${address}"\n    dhcp4: true\n`;
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'vm-net', namespace: SOURCE },
      type: 'Opaque',
      data: { networkdata: Buffer.from(networkData(mac)).toString('base64') },
    };
    const machine = vm('vm-net', mac, [{ name: 'cloudinit', cloudInitNoCloud: { networkDataSecretRef: { name: 'vm-net' } } }]);
    const report = join(work, 'cloud-init-report.json');
    const transformed = join(work, 'cloud-init.yaml');
    const transform = await runCli(['transform', '-f', session.writeInput('cloud-init.json', [machine, secret]), '--target-namespace', target, '--seed', 'e2e', '-o', 'yaml', '--output-file', transformed, '--report', report]);
    assert.equal(transform.code, 0, transform.stderr);

    const restore = await runCli(['restore', '--kubeconfig', session.plane.kubeconfig, '-f', transformed], { offline: false });
    assert.equal(restore.code, 0, restore.stderr);
    const restoredVm = await read('kubevirt.io/v1', 'VirtualMachine', target, 'vm-net');
    const newMac = (restoredVm?.spec as { template: { spec: { domain: { devices: { interfaces: { macAddress: string }[] } } } } }).template.spec.domain.devices.interfaces[0]!.macAddress;
    assert.notEqual(newMac, mac);
    const restoredSecret = await read('v1', 'Secret', target, 'vm-net');
    const restoredData = Buffer.from((restoredSecret?.['data'] as { networkdata: string }).networkdata, 'base64').toString('utf8');
    assert.equal(restoredData, networkData(newMac));
  });
});

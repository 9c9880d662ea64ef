// The seven compatibility scenarios of the guide, end to end on the real control plane: create, bring to the stated
// state, export the namespace, delete it, restore, check; and each once through export | transform | restore.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseManifests } from '../src/model/parse-manifests.ts';
import { apiRequest, createObjects, deleteNamespace, eventually, objectApi, readObject } from '../scripts/e2e/cluster.ts';
import { condition, E2eSession, type Obj, waitFor } from '../scripts/e2e/fixtures.ts';
import { peerManifestObjects } from '../src/testing/peer-manifests.ts';
import { REPO_ROOT, runCli } from '../src/testing/run-cli.ts';

const session = new E2eSession('kvbackup-scenarios-');
const { work } = session;

/** A peer manifest, or one of testdata/scenarios/ (the manifests the peer folder lacks). */
function manifest(file: string): KubernetesObject[] {
  if (!file.startsWith('testdata:')) return peerManifestObjects(file, session.plane.storageClass);
  const text = readFileSync(join(REPO_ROOT, 'testdata/scenarios', file.slice('testdata:'.length)), 'utf8').replaceAll('{{KVP_STORAGE_CLASS}}', session.plane.storageClass);
  return parseManifests(text, file).map(({ object }) => object);
}

const VM = (namespace: string, name: string): Obj => ({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name, namespace } });
const VMI = (namespace: string, name: string): Obj => ({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', metadata: { name, namespace } });
const DV = (namespace: string, name: string): Obj => ({ apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', metadata: { name, namespace } });
const PVC = (namespace: string, name: string): Obj => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace } });

const running = (namespace: string, name: string) => waitFor(session.kc, VM(namespace, name), 'Running', (vm) => vm.status?.printableStatus === 'Running');
const stopped = (namespace: string, name: string) => waitFor(session.kc, VM(namespace, name), 'Stopped', (vm) => vm.status?.printableStatus === 'Stopped');
const succeeded = (namespace: string, name: string) => waitFor(session.kc, DV(namespace, name), 'Succeeded', (dv) => dv.status?.phase === 'Succeeded');

async function setRunStrategy(namespace: string, name: string, runStrategy: 'Always' | 'Halted'): Promise<void> {
  await objectApi(session.kc).patch({ ...VM(namespace, name), spec: { runStrategy } }, undefined, undefined, undefined, undefined, 'application/merge-patch+json' as never);
}

async function dataVolumeNames(namespace: string): Promise<string[]> {
  const list = await objectApi(session.kc).list('cdi.kubevirt.io/v1beta1', 'DataVolume', namespace);
  return list.items.map((item) => item.metadata?.name as string).sort();
}

/** "DV reaches Succeeded right away": it carries prePopulated, so CDI does not import again, and it is Succeeded. */
async function checkDataVolumesPrePopulated(namespace: string): Promise<void> {
  const names = await dataVolumeNames(namespace);
  assert.ok(names.length > 0, `no DataVolume in ${namespace}`);
  for (const name of names) {
    const dv = await succeeded(namespace, name);
    assert.equal(dv.metadata?.annotations?.['cdi.kubevirt.io/storage.prePopulated'], name, `DataVolume ${name} is not prePopulated`);
  }
}

interface Scenario {
  name: string;
  files: string[];
  /** Brings the created objects to the state the guide backs up. */
  prepare(namespace: string): Promise<void>;
  /** The guide's "Check …" lines, after restore into `namespace` of what was backed up from `source`. */
  check(namespace: string, source: string): Promise<void>;
}

const SCENARIOS: Scenario[] = [
  {
    name: '1: DataVolume and a VM with a dataVolumeTemplate, backed up stopped',
    files: ['blank_datavolume.yaml', 'vm_with_dv_and_dvtemplate.yaml'],
    async prepare(ns) {
      await succeeded(ns, 'test-dv');
      await running(ns, 'test-vm-with-dv-and-dvtemplate');
      await setRunStrategy(ns, 'test-vm-with-dv-and-dvtemplate', 'Halted');
      await stopped(ns, 'test-vm-with-dv-and-dvtemplate');
    },
    async check(ns) {
      await checkDataVolumesPrePopulated(ns);
      await stopped(ns, 'test-vm-with-dv-and-dvtemplate');
      await setRunStrategy(ns, 'test-vm-with-dv-and-dvtemplate', 'Always');
      await running(ns, 'test-vm-with-dv-and-dvtemplate');
    },
  },
  {
    name: '2: PVC populated by a VolumeImportSource, VM running',
    files: ['testdata:volume_import_source.yaml', 'testdata:import_populator_pvc.yaml', 'vm_with_pvc.yaml'],
    async prepare(ns) {
      await running(ns, 'test-vm-with-pvc');
    },
    async check(ns) {
      const pvc = await waitFor(session.kc, PVC(ns, 'test-pvc'), 'Bound', (claim) => claim.status?.phase === 'Bound');
      // The claim was filled when exported: restored without its dataSourceRef, CDI's import populator leaves the
      // restored data alone instead of importing again (transform rule strip-populator-sources).
      assert.equal(pvc.spec?.dataSourceRef, undefined);
      await readObject(session.kc, { apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'VolumeImportSource', metadata: { name: 'test-import-source', namespace: ns } });
      await running(ns, 'test-vm-with-pvc');
    },
  },
  {
    name: '3: a hotplugged DataVolume on a running VM',
    files: ['vm_for_hotplug.yaml', 'blank_datavolume.yaml'],
    async prepare(ns) {
      await running(ns, 'test-vm-for-hotplug');
      await succeeded(ns, 'test-dv');
      // What `virtctl addvolume --persist` leaves behind: the volume and its disk in the VM template and the VMI.
      const volume = { name: 'test-dv', dataVolume: { name: 'test-dv', hotpluggable: true } };
      const disk = { name: 'test-dv', disk: { bus: 'scsi' } };
      const vm = await readObject<Obj>(session.kc, VM(ns, 'test-vm-for-hotplug'));
      const template = vm.spec.template.spec;
      await objectApi(session.kc).replace({ ...vm, spec: { ...vm.spec, template: { ...vm.spec.template, spec: { ...template, volumes: [...template.volumes, volume], domain: { ...template.domain, devices: { ...template.domain.devices, disks: [...template.domain.devices.disks, disk] } } } } } });
      const vmi = await readObject<Obj>(session.kc, VMI(ns, 'test-vm-for-hotplug'));
      await objectApi(session.kc).replace({ ...vmi, spec: { ...vmi.spec, volumes: [...vmi.spec.volumes, volume], domain: { ...vmi.spec.domain, devices: { ...vmi.spec.domain.devices, disks: [...vmi.spec.domain.devices.disks, disk] } } } });
    },
    async check(ns) {
      const dv = await succeeded(ns, 'test-dv');
      assert.equal(dv.metadata?.annotations?.['cdi.kubevirt.io/storage.prePopulated'], 'test-dv');
      await running(ns, 'test-vm-for-hotplug');
      const vmi = await eventually('VMI test-vm-for-hotplug lists test-dv', async () => {
        const found = await readObject<Obj>(session.kc, VMI(ns, 'test-vm-for-hotplug'));
        return (found.spec.volumes as { name: string }[]).some((v) => v.name === 'test-dv') ? found : undefined;
      });
      assert.ok((vmi.spec.domain.devices.disks as { name: string }[]).some((d) => d.name === 'test-dv'));
    },
  },
  {
    name: '4: ConfigMap and Secret volumes, backed up stopped',
    files: ['configmap.yaml', 'secret.yaml', 'vm_with_different_volume_types.yaml'],
    async prepare(ns) {
      await running(ns, 'test-vm-with-different-volume-types');
      await setRunStrategy(ns, 'test-vm-with-different-volume-types', 'Halted');
      await stopped(ns, 'test-vm-with-different-volume-types');
    },
    async check(ns) {
      await checkDataVolumesPrePopulated(ns);
      await readObject(session.kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-configmap', namespace: ns } });
      await readObject(session.kc, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'test-secret', namespace: ns } });
      await stopped(ns, 'test-vm-with-different-volume-types');
      await setRunStrategy(ns, 'test-vm-with-different-volume-types', 'Always');
      await running(ns, 'test-vm-with-different-volume-types');
    },
  },
  {
    name: '5: access credentials',
    files: ['accessCredentialsSecret.yaml', 'vm_with_access_credentials.yaml'],
    async prepare(ns) {
      await running(ns, 'test-vm-with-access-credentials');
    },
    async check(ns) {
      await checkDataVolumesPrePopulated(ns);
      await readObject(session.kc, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'test-access-credentials-secret', namespace: ns } });
      await running(ns, 'test-vm-with-access-credentials');
    },
  },
  {
    name: '6: instancetype and preference, revision names kept',
    files: ['instancetype.yaml', 'preference.yaml', 'vm_with_instancetype_and_preference.yaml'],
    async prepare(ns) {
      await running(ns, 'test-vm-with-instancetype-and-preference');
      const vm = await waitFor(session.kc, VM(ns, 'test-vm-with-instancetype-and-preference'), 'revision names', (o) => Boolean(o.status?.instancetypeRef?.controllerRevisionRef?.name || o.spec?.instancetype?.revisionName));
      revisions.set(ns, revisionNames(vm));
    },
    async check(ns, source) {
      const vm = await running(ns, 'test-vm-with-instancetype-and-preference');
      const names = revisionNames(vm);
      assert.ok(names.instancetype && names.preference, `revision names in the restored spec: ${JSON.stringify(vm.spec)}`);
      assert.deepEqual(names, revisions.get(source), 'the restored VM keeps the revision names of the backup');
      for (const name of [names.instancetype, names.preference]) {
        await readObject(session.kc, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: name as string, namespace: ns } });
      }
    },
  },
  {
    name: '7: a standalone VMI with a guest agent on a DataVolume',
    files: ['dv_with_guest_agent_image.yaml', 'vmi_with_dv.yaml'],
    async prepare(ns) {
      await succeeded(ns, 'test-dv');
      const vmi = await waitFor(session.kc, VMI(ns, 'test-vmi-with-dv'), 'Running with AgentConnected', (o) => o.status?.phase === 'Running' && condition(o, 'AgentConnected')?.status === 'True');
      assert.ok(vmi);
    },
    async check(ns) {
      await checkDataVolumesPrePopulated(ns);
      await waitFor(session.kc, VMI(ns, 'test-vmi-with-dv'), 'Running', (o) => o.status?.phase === 'Running');
    },
  },
];

/** Revision names by the namespace they were backed up from. */
const revisions = new Map<string, { instancetype?: string; preference?: string }>();

function revisionNames(vm: Obj): { instancetype?: string; preference?: string } {
  return {
    instancetype: vm.spec?.instancetype?.revisionName ?? vm.status?.instancetypeRef?.controllerRevisionRef?.name,
    preference: vm.spec?.preference?.revisionName ?? vm.status?.preferenceRef?.controllerRevisionRef?.name,
  };
}

async function namespaceGone(name: string): Promise<void> {
  await eventually(`namespace ${name} finalized`, async () => {
    const response = await apiRequest(session.kc, 'GET', `/api/v1/namespaces/${name}`);
    return response.status === 404 ? true : undefined;
  }, 120_000);
}

async function setUp(scenario: Scenario, prefix: string): Promise<string> {
  const ns = await session.freshNamespace(prefix);
  for (const file of scenario.files) await createObjects(session.kc, ns, manifest(file));
  await scenario.prepare(ns);
  return ns;
}

async function cli(command: string, args: string[], stdin?: Buffer) {
  const result = await runCli([command, ...args], stdin === undefined ? { offline: false } : { stdin, offline: false });
  assert.equal(result.code, 0, `${command} ${args.join(' ')}:\n${result.stderr}`);
  return result;
}

describe('the guide\'s scenarios: export, delete the namespace, restore', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const ns = await setUp(scenario, 'kvb-scn');
      const bundle = join(work, `${ns}.kvb`);
      await cli('export', ['-n', ns, '--kubeconfig', session.plane.kubeconfig, '--output-file', bundle]);
      await deleteNamespace(session.kc, ns);
      await namespaceGone(ns);
      await cli('restore', ['-f', bundle, '--kubeconfig', session.plane.kubeconfig, '--wait', '--timeout', '120']);
      await scenario.check(ns, ns);
    });
  }
});

describe('the guide\'s scenarios through a pipe: export | transform --target-namespace | restore', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const ns = await setUp(scenario, 'kvb-pipe');
      const other = `${ns}-copy`.slice(0, 63);
      session.deleteAfterwards(other);
      const exported = await cli('export', ['-n', ns, '--kubeconfig', session.plane.kubeconfig, '--output-file', '-']);
      const transformed = await cli('transform', ['-f', '-', '--target-namespace', other], exported.stdout);
      await cli('restore', ['-f', '-', '--kubeconfig', session.plane.kubeconfig, '--wait', '--timeout', '120'], transformed.stdout);
      await scenario.check(other, ns);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterError, UsageError } from '../errors.ts';
import { makeObject, makeVm, makeVmi } from '../graph/edge-fixtures.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { Kinds } from '../model/kinds.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { describeRef } from '../model/object-ref.ts';
import { checkExportFlags, formatDryRun, namesByNamespace, planExport } from './export-plan.ts';
import type { ExportOptions } from './options.ts';

function options(overrides: Partial<ExportOptions> = {}): ExportOptions {
  return {
    kubeconfig: undefined, context: undefined, namespace: undefined, allNamespaces: false, selector: undefined, verbose: false,
    names: [], quiesce: 'auto', snapshot: false, export: false, withData: false, includeToken: false, keep: false, dryRun: true, gzip: true,
    outputFile: '-', timeoutSeconds: 0, snapshotTimeoutSeconds: 5, exportTimeoutSeconds: 5, unfreezeTimeoutSeconds: 35, exportTtlSeconds: 600, parallel: 4, resume: false, incremental: false, base: undefined,
    ...overrides,
  };
}

const running = (name: string): KubeObject => {
  const owner = { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name, uid: `uid-${name}`, controller: true };
  return { ...makeVmi(name, {}, { ownerReferences: [owner] }), status: { phase: 'Running', conditions: [{ type: 'AgentConnected', status: 'True' }] } };
};
const index = new ObjectIndex(
  [
    makeVm('db', { volumes: [{ name: 'disk', persistentVolumeClaim: { claimName: 'db-disk' } }] }, {}, { uid: 'uid-db' }),
    running('db'),
    makeVm('idle', {}, {}, { uid: 'uid-idle' }),
    makeObject(Kinds.PersistentVolumeClaim, 'db-disk'),
  ].map((object) => ({ object })),
);

describe('checkExportFlags', () => {
  it('refuses combinations yargs cannot', () => {
    assert.throws(() => checkExportFlags(options({ withData: true })), (error: unknown) => error instanceof UsageError && /--with-data needs --export/.test(error.message));
    assert.throws(() => checkExportFlags(options({ resume: true, withData: true, export: true })), /--resume needs --output-file/);
    assert.throws(() => checkExportFlags(options({ parallel: 0 })), /--parallel must be a whole number/);
    assert.doesNotThrow(() => checkExportFlags(options({ export: true, withData: true, outputFile: 'x.kvb', resume: true })));
  });
});

describe('planExport', () => {
  it('selects the named VM, what it needs, and freezes its running guest with --snapshot', () => {
    const plan = planExport(index, options({ names: ['db'], snapshot: true }), 'ns1', undefined);
    assert.deepEqual(plan.roots.map(describeRef), ['VirtualMachine.kubevirt.io ns1/db']);
    assert.ok(plan.refs.some((ref) => ref.kind === 'PersistentVolumeClaim' && ref.name === 'db-disk'));
    assert.equal(plan.vms.length, 1);
    assert.equal(plan.vms[0]?.quiesce?.freeze?.name, 'db');
  });

  it('makes no freeze decision without --snapshot, and refuses an empty selection', () => {
    assert.equal(planExport(index, options(), 'ns1', undefined).vms.every((vm) => vm.quiesce === undefined), true);
    const noVm = new ObjectIndex([{ object: makeObject(Kinds.PersistentVolumeClaim, 'db-disk') }]);
    assert.throws(() => planExport(noVm, options(), 'ns1', undefined), (error: unknown) => error instanceof ClusterError && /nothing to export: .* in namespace ns1$/.test(error.message));
  });
});

describe('formatDryRun', () => {
  it('lists roots, objects, freezes, snapshots and exports', () => {
    const plan = planExport(index, options({ names: ['db'], snapshot: true, export: true }), 'ns1', undefined);
    const text = formatDryRun(plan, options({ snapshot: true, export: true, withData: true }), 'https://api');
    assert.match(text, /^dry run: nothing is changed on https:\/\/api\nroots \(1\):\n  VirtualMachine.kubevirt.io ns1\/db\n/);
    assert.match(text, /  freeze VirtualMachineInstance.kubevirt.io ns1\/db: running with a connected guest agent\n/);
    assert.match(text, /VirtualMachineSnapshots that would be created \(1\):\n  ns1\/db\n/);
    assert.match(text, /VirtualMachineExports that would be created \(1, from the snapshots\):\n  ns1\/db\nvolume data would be downloaded into the bundle \(--with-data\)\n$/);
  });
});

describe('namesByNamespace', () => {
  it('groups the picked names by namespace, leaving out VMs without one', () => {
    const vm = (namespace: string, name: string) => ({ vm: { ...Kinds.VirtualMachine, namespace, name } });
    const grouped = namesByNamespace([vm('a', 'x'), vm('b', 'y'), vm('a', 'z'), vm('a', 'skip')], (run) => (run.vm.name === 'skip' ? undefined : `${run.vm.name}-snap`));
    assert.deepEqual([...grouped], [
      ['a', ['x-snap', 'z-snap']],
      ['b', ['y-snap']],
    ]);
  });
});

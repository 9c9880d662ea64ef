import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kinds } from '../../model/kinds.ts';
import { CLUSTER_PLAN, NAMESPACED_PLAN } from './list.ts';
import { EXPORT_RULES, exportClusterRole } from './rbac.ts';

function allows(group: string, resource: string, verb: string): boolean {
  return EXPORT_RULES.some((rule) => rule.apiGroups?.includes(group) && rule.resources?.includes(resource) && rule.verbs.includes(verb));
}

describe('the export ClusterRole', () => {
  it('allows the LIST of every kind discovery reads', () => {
    for (const { kind } of [...NAMESPACED_PLAN, ...CLUSTER_PLAN]) assert.ok(allows(kind.group, kind.plural, 'list'), `${kind.plural}.${kind.group}`);
  });

  it('allows creating, waiting for and deleting snapshots, exports and token Secrets, and freezing', () => {
    for (const verb of ['create', 'list', 'delete']) {
      assert.ok(allows(Kinds.VirtualMachineSnapshot.group, 'virtualmachinesnapshots', verb));
      assert.ok(allows(Kinds.VirtualMachineExport.group, 'virtualmachineexports', verb));
    }
    assert.ok(allows('', 'secrets', 'create') && allows('', 'secrets', 'delete'));
    assert.ok(allows('subresources.kubevirt.io', 'virtualmachineinstances/freeze', 'update'));
    assert.ok(allows('subresources.kubevirt.io', 'virtualmachineinstances/unfreeze', 'update'));
  });

  it('allows the backups, trackers and scratch claims of --incremental, and never deleting a tracker', () => {
    for (const verb of ['create', 'list', 'delete']) assert.ok(allows(Kinds.VirtualMachineBackup.group, 'virtualmachinebackups', verb));
    for (const verb of ['create', 'list']) assert.ok(allows(Kinds.VirtualMachineBackupTracker.group, 'virtualmachinebackuptrackers', verb));
    assert.ok(!allows(Kinds.VirtualMachineBackupTracker.group, 'virtualmachinebackuptrackers', 'delete'));
    assert.ok(allows('', 'persistentvolumeclaims', 'create') && allows('', 'persistentvolumeclaims', 'delete'));
  });

  it('grants no get, watch, patch or wildcard: discovery never GETs by name', () => {
    for (const rule of EXPORT_RULES) {
      if (rule.nonResourceURLs) continue;
      assert.ok(!rule.verbs.some((verb) => ['watch', 'patch', '*'].includes(verb)), rule.why);
      assert.ok(!rule.resources?.includes('*'));
      if (rule.verbs.includes('get')) assert.deepEqual(rule.resources, ['version']);
    }
    assert.equal(exportClusterRole().rules.some((rule) => 'why' in rule), false);
  });
});

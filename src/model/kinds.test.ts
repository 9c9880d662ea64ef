// Meta-tests of the kind registry: every kind the graph reads or points to is registered and discovered by export,
// the restore allow-list is what the README says, and the derived tables cover the registry.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { buildGraph } from '../graph/index.ts';
import { EDGE_FAMILIES } from '../graph/edges/index.ts';
import { CLUSTER_PLAN, NAMESPACED_PLAN } from '../io/cluster/list.ts';
import { EXPORT_RULES } from '../io/cluster/rbac.ts';
import { ObjectIndex } from './object-index.ts';
import { parseManifests } from './parse-manifests.ts';
import { KNOWN_KINDS, kindInfo, kindName, restorableKinds, RESTORE_PHASES, type GroupKind } from './kinds.ts';

const GRAPH_SCENARIOS = new URL('../../testdata/graph/', import.meta.url);
const README = new URL('../../README.md', import.meta.url);

function discovered(kind: GroupKind): boolean {
  return [...NAMESPACED_PLAN, ...CLUSTER_PLAN].some((plan) => plan.kind.group === kind.group && plan.kind.kind === kind.kind);
}

describe('the kind registry', () => {
  it('has one entry per group and kind, sorted by group then kind, with the preferred version first', () => {
    const keys = KNOWN_KINDS.map((info) => `${info.group}/${info.kind}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.deepEqual(keys, [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const info of KNOWN_KINDS) assert.equal(info.versions[0], info.version, kindName(info));
  });

  it('registers and discovers every kind an edge family reads', () => {
    for (const family of EDGE_FAMILIES) {
      for (const kind of family.fromKinds) {
        assert.ok(kindInfo(kind.group, kind.kind), `${family.name}: ${kindName(kind)} is not registered`);
        assert.ok(discovered(kind), `${family.name}: ${kindName(kind)} is not discovered by export`);
      }
    }
  });

  it('registers and discovers every kind an edge points to in the graph scenarios', () => {
    const targets = new Map<string, GroupKind>();
    for (const scenario of readdirSync(GRAPH_SCENARIOS)) {
      const objects = parseManifests(readFileSync(new URL(`${scenario}/input.yaml`, GRAPH_SCENARIOS), 'utf8'), scenario);
      for (const edge of buildGraph(new ObjectIndex(objects, 'default')).edges) targets.set(`${edge.to.group}/${edge.to.kind}`, edge.to);
    }
    assert.ok(targets.size >= 10, `${targets.size} target kinds`);
    for (const kind of targets.values()) {
      assert.ok(kindInfo(kind.group, kind.kind), `${kindName(kind)} is not registered`);
      assert.ok(discovered(kind), `${kindName(kind)} is an edge target but export does not list it`);
    }
  });

  it('RBAC covers the discovery plan and every verb export uses on a registered kind', () => {
    const allows = (group: string, resource: string, verb: string) =>
      EXPORT_RULES.some((rule) => rule.apiGroups?.includes(group) && rule.resources?.includes(resource) && rule.verbs.includes(verb));
    for (const { kind } of [...NAMESPACED_PLAN, ...CLUSTER_PLAN]) assert.ok(allows(kind.group, kind.plural, 'list'), kindName(kind));
    for (const info of KNOWN_KINDS) for (const verb of info.exportVerbs) assert.ok(allows(info.group, info.plural, verb), `${verb} ${kindName(info)}`);
  });

  it('restores only namespaced kinds and the cluster instancetypes and preferences, each in a real phase', () => {
    for (const info of restorableKinds()) {
      assert.ok(RESTORE_PHASES.includes(info.restore.phase) && info.restore.phase !== 'other', kindName(info));
      if (info.clusterScoped) assert.ok(['Namespace', 'VirtualMachineClusterInstancetype', 'VirtualMachineClusterPreference'].includes(info.kind), kindName(info));
    }
    for (const refused of ['Pod', 'PersistentVolume', 'StorageClass.storage.k8s.io', 'VirtualMachineExport.export.kubevirt.io', 'MigrationPolicy.migrations.kubevirt.io']) {
      assert.ok(!restorableKinds().some((info) => kindName(info) === refused), refused);
    }
  });

  it('the README lists exactly the kinds restore creates', () => {
    const readme = readFileSync(README, 'utf8');
    const section = /<!-- restorable-kinds:begin[^>]*-->([\s\S]*?)<!-- restorable-kinds:end -->/.exec(readme)?.[1] ?? '';
    const listed = [...section.matchAll(/`([A-Za-z0-9.-]+)`/g)].map((match) => match[1]).sort();
    assert.deepEqual(listed, restorableKinds().map(kindName).sort());
  });
});

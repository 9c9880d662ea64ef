// Tests for the transform engine: merging, conflicts, ordering, determinism, purity.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError, InternalError, UsageError } from '../errors.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { refOf } from '../model/object-ref.ts';
import { transform } from './engine.ts';
import { isLocallyAdministeredMac, isUnicastMac, normaliseMac } from './remap/mac.ts';
import { validateReport } from './report.ts';
import { defineRule, type Rule } from './rule.ts';
import { deepFreeze } from './rule-tester.ts';
import { configMap, domainSpec, dv, ownedBy, pod, pvc, vm, vmi } from './test-fixtures.ts';

const seed = 'engine-test';

function ruleOf(name: string, result: (object: KubeObject) => ReturnType<ReturnType<Rule['create']>>): Rule {
  return defineRule({ name, description: `Set things for ${name}.`, create: () => result });
}

/** A small cluster: n VMs with MACs (each shares one with its neighbour), their VMIs, launcher Pods, DataVolumes and claims. */
function cluster(n: number): KubeObject[] {
  const objects: KubeObject[] = [];
  const mac = (i: number) => `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
  for (let i = 0; i < n; i++) {
    const name = `vm${i}`;
    const spec = domainSpec([{ name: 'a', macAddress: mac(i) }, { name: 'b', macAddress: mac(i + 1) }], { serial: `SN-${i}`, uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` });
    objects.push(
      vm(name, { running: true, template: { spec } }, { uid: `uid-${name}`, resourceVersion: '1' }, { status: { printableStatus: 'Running' } }),
      vmi(name, spec, { uid: `uid-vmi-${name}`, ownerReferences: ownedBy('kubevirt.io/v1', 'VirtualMachine', name) }),
      pod(`virt-launcher-${name}-x`, { labels: { 'kubevirt.io': 'virt-launcher' } }),
      dv(`${name}-disk`, { storage: { storageClassName: 'ceph' } }, { uid: `uid-dv-${name}` }, { status: { phase: 'Succeeded' } }),
      pvc(`${name}-disk`, { storageClassName: 'ceph', volumeName: `pv-${i}` }, { ownerReferences: ownedBy('cdi.kubevirt.io/v1beta1', 'DataVolume', `${name}-disk`) }),
    );
  }
  return objects;
}

function shuffled<T>(items: readonly T[], salt: number): T[] {
  // A fixed permutation (no Math.random), different per salt.
  return items
    .map((item, i) => ({ item, key: (i * 2654435761 + salt * 40503) % 4294967291 }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}

const serialise = (result: ReturnType<typeof transform>) => JSON.stringify(result);

describe('transform engine', () => {
  it('a drop wins over another rule\'s changes, and the changes are not reported', () => {
    const rules = [
      ruleOf('set-a', () => ({ ops: [{ op: 'add', path: '/data/a', new: '1' }] })),
      ruleOf('drop-all', () => ({ drop: 'because' })),
    ];
    const result = transform(ObjectIndex.of([configMap('cm')]), { seed }, rules);
    assert.deepEqual(result.objects, []);
    assert.deepEqual(result.report.changes, []);
    assert.deepEqual(result.report.dropped, [{ rule: 'drop-all', object: refOf(configMap('cm')), reason: 'because' }]);
  });

  it('two rules writing one path is an error naming both', () => {
    const rules = [
      ruleOf('set-a', () => ({ ops: [{ op: 'add', path: '/data/x', new: '1' }] })),
      ruleOf('set-b', () => ({ ops: [{ op: 'add', path: '/data/x', new: '2' }] })),
    ];
    assert.throws(() => transform(ObjectIndex.of([configMap('cm')]), { seed }, rules), (error: Error) => {
      assert.ok(error instanceof InternalError);
      assert.match(error.message, /set-a and set-b both change ConfigMap ns1\/cm: \/data\/x and \/data\/x overlap/);
      return true;
    });
  });

  it('a rule writing a path under another rule\'s path is an error naming both', () => {
    const rules = [
      ruleOf('set-a', () => ({ ops: [{ op: 'replace', path: '/data/key', old: 'value', new: 'x' }] })),
      ruleOf('set-b', () => ({ ops: [{ op: 'remove', path: '/data', old: { key: 'value' } }] })),
    ];
    assert.throws(() => transform(ObjectIndex.of([configMap('cm')]), { seed }, rules), /rules set-b and set-a both change ConfigMap ns1\/cm: \/data and \/data\/key overlap/);
  });

  it('a rule that throws is named with the object', () => {
    const rules = [ruleOf('set-boom', () => { throw new TypeError('boom'); })];
    assert.throws(() => transform(ObjectIndex.of([configMap('cm')]), { seed }, rules), (error: Error) => {
      assert.ok(error instanceof InternalError);
      assert.equal(error.message, 'rule set-boom failed on ConfigMap ns1/cm: boom');
      return true;
    });
  });

  it('names the rules and the object when an op does not fit', () => {
    const rules = [ruleOf('set-a', () => ({ ops: [{ op: 'replace', path: '/data/missing', old: 'x', new: 'y' }] }))];
    assert.throws(
      () => transform(ObjectIndex.of([configMap('cm')]), { seed }, rules),
      (error: Error) => error instanceof InternalError && error.message === 'rules set-a on ConfigMap ns1/cm: cannot replace /data/missing: the member does not exist',
    );
  });

  it('applies ops in rule order, keeps key order and appends new keys', () => {
    const rules = [
      ruleOf('set-z', () => ({ ops: [{ op: 'add', path: '/metadata/annotations/z', new: 'z' }] })),
      ruleOf('set-a', () => ({ ops: [{ op: 'add', path: '/metadata/annotations/a', new: 'a' }, { op: 'replace', path: '/metadata/name', old: 'cm', new: 'cm2' }] })),
    ];
    const input: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns1', labels: { l: '1' } }, data: { k: 'v' } };
    const [output] = transform(ObjectIndex.of([input]), { seed }, rules).objects;
    assert.equal(
      JSON.stringify(output),
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm2","namespace":"ns1","labels":{"l":"1"},"annotations":{"z":"z","a":"a"}},"data":{"k":"v"}}',
    );
  });

  it('leaves untouched objects and subtrees shared, and the input unchanged', () => {
    const input = deepFreeze(cluster(2));
    const before = JSON.stringify(input);
    const result = transform(ObjectIndex.of(input), { seed, mac: 'keep', firmware: 'keep' });
    assert.equal(JSON.stringify(input), before);
    const vm0 = result.objects.find((object) => object.kind === 'VirtualMachine' && object.metadata.name === 'vm0')!;
    assert.equal(vm0['spec'], input[0]!['spec'], 'spec has no op, so it is the same object');
    assert.notEqual(vm0.metadata, input[0]!.metadata);
    const plain = configMap('cm');
    const [same] = transform(ObjectIndex.of([plain]), { seed }).objects;
    assert.equal(same, plain);
  });

  it('sorts the output by the new refs', () => {
    const objects = [configMap('b', { namespace: 'a' }), configMap('a', { namespace: 'z' })];
    const result = transform(ObjectIndex.of(objects), { seed, namespaceMap: { z: 'b' } });
    assert.deepEqual(result.objects.map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ['a/b', 'b/a']);
  });

  it('gives objects without a namespace field the moved namespace', () => {
    const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } };
    const result = transform(new ObjectIndex([{ object }], 'default'), { seed, targetNamespace: 'restored' });
    assert.deepEqual(result.objects[0]!.metadata, { name: 'cm', namespace: 'restored' });
    assert.deepEqual(result.report.changes, [
      { rule: 'remap-namespaces', object: { group: '', kind: 'ConfigMap', namespace: 'default', name: 'cm' }, op: 'add', path: '/metadata/namespace', new: 'restored' },
    ]);
  });

  it('refuses two objects landing on one identity', () => {
    const objects = [configMap('cm', { namespace: 'a' }), configMap('cm', { namespace: 'b' })];
    assert.throws(
      () => transform(ObjectIndex.of(objects), { seed, targetNamespace: 'x' }),
      (error: Error) => error instanceof InputError && /ConfigMap a\/cm and ConfigMap b\/cm would both become ConfigMap x\/cm/.test(error.message),
    );
  });

  it('checks the options', () => {
    assert.throws(() => transform(ObjectIndex.of([]), { seed: '' }), UsageError);
    assert.throws(() => transform(ObjectIndex.of([]), { seed, targetNamespace: 'a', namespaceMap: { b: 'c' } }), UsageError);
  });

  it('gives byte-identical output for the input in any order', () => {
    const objects = cluster(40);
    const options = { seed, targetNamespace: 'restored', storageClassMap: { ceph: 'gp3' }, runStrategy: 'Halted' } as const;
    const expected = serialise(transform(ObjectIndex.of(objects), options));
    for (const salt of [1, 2, 3]) {
      assert.equal(serialise(transform(ObjectIndex.of(shuffled(objects, salt)), options)), expected);
    }
  });

  it('gives the same output for the same seed and other MACs for another', () => {
    const objects = cluster(10);
    const a = transform(ObjectIndex.of(objects), { seed: 'one' });
    const b = transform(ObjectIndex.of(objects), { seed: 'one' });
    const c = transform(ObjectIndex.of(objects), { seed: 'two' });
    assert.equal(serialise(a), serialise(b));
    const macs = (result: ReturnType<typeof transform>) => result.report.changes.filter((change) => change.rule === 'remap-mac-addresses').map((change) => change.new);
    assert.equal(macs(a).length, 20);
    for (const [i, mac] of macs(a).entries()) assert.notEqual(mac, macs(c)[i]);
  });

  it('remaps each distinct MAC to one new unique, unicast, locally administered MAC, consistently', () => {
    const objects = cluster(30);
    const { objects: output, report } = transform(ObjectIndex.of(objects), { seed });
    const pairs = new Map<string, string>();
    for (const change of report.changes.filter((c) => c.rule === 'remap-mac-addresses')) {
      const old = normaliseMac(change.old)!;
      const next = normaliseMac(change.new)!;
      assert.equal(pairs.get(old) ?? next, next, `${old} maps to one new MAC`);
      pairs.set(old, next);
      assert.ok(isUnicastMac(next) && isLocallyAdministeredMac(next));
    }
    assert.equal(pairs.size, 31);
    const news = new Set(pairs.values());
    assert.equal(news.size, pairs.size, 'new MACs are unique');
    for (const next of news) assert.ok(!pairs.has(next), 'a new MAC is never an old one');
    assert.ok(output.every((object) => object.kind !== 'VirtualMachineInstance'), 'owned VMIs are dropped');
  });

  it('writes a report the schema accepts, sorted by object then path', () => {
    const { report } = transform(ObjectIndex.of(cluster(3)), { seed, targetNamespace: 'restored', runStrategy: 'Always' });
    validateReport(JSON.parse(JSON.stringify(report)));
    const keys = report.changes.map((c) => `${c.object.group}/${c.object.kind}/${c.object.namespace}/${c.object.name} ${c.path}`);
    assert.deepEqual(keys, [...keys].sort());
    assert.equal(report.seed, seed);
    assert.deepEqual(report.options, { mac: 'remap', firmware: 'remap', targetNamespace: 'restored', runStrategy: 'Always' });
  });
});

describe('transform report and Secret values', () => {
  it('shows a change to a Secret value without the value', () => {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns1' }, stringData: { token: 'hunter2' } };
    const setToken = defineRule({
      name: 'set-token',
      description: 'Set the token.',
      kinds: [{ group: '', kind: 'Secret' }],
      create: () => () => ({ ops: [{ op: 'replace', path: '/stringData/token', old: 'hunter2', new: 'correct horse' }] }),
    });
    const { objects, report } = transform(ObjectIndex.of([secret]), { seed }, [setToken]);
    assert.equal((objects[0]!['stringData'] as Record<string, string>)['token'], 'correct horse');
    assert.equal(report.changes.length, 1);
    assert.doesNotMatch(JSON.stringify(report), /hunter2|correct horse/);
    assert.match(String(report.changes[0]!.old), /^<redacted sha256:[0-9a-f]{16}>$/);
    assert.notEqual(report.changes[0]!.old, report.changes[0]!.new, 'the markers still tell the values apart');
  });
});

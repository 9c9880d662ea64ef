// Entry paths: segment encoding, derivation from refs, unsafe and unknown names.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../errors.ts';
import { chunkPath, dataPath, decodeSegment, encodeSegment, exportPath, graphPath, objectPath, parseEntryPath, unsafeNameReason, volumeIndexPath } from './layout.ts';

describe('entry path segments', () => {
  it('keeps Kubernetes names as they are', () => {
    for (const name of ['vm1', 'my-vm.example', 'VirtualMachine', 'kubevirt.io', 'a-b.c-d']) assert.equal(encodeSegment(name), name);
  });

  it('encodes names that could escape or collide, and decodes them back', () => {
    const cases: [string, string][] = [
      ['..', '%2E.'],
      ['.', '%2E'],
      ['.hidden', '%2Ehidden'],
      ['a/b', 'a%2Fb'],
      ['a\\b', 'a%5Cb'],
      ['_cluster', '%5Fcluster'],
      ['system:node', 'system%3Anode'],
      ['ü', '%C3%BC'],
      ['100%', '100%25'],
      ['a\u0000b', 'a%00b'],
    ];
    for (const [name, encoded] of cases) {
      assert.equal(encodeSegment(name), encoded, name);
      assert.equal(decodeSegment(encoded), name, encoded);
    }
  });

  it('rejects an empty segment', () => {
    assert.throws(() => encodeSegment(''), InputError);
  });

  it('decodes only the canonical encoding', () => {
    for (const segment of ['%61', '%2e.', '..', '.', '%', '%zz', '', 'a_b']) assert.equal(decodeSegment(segment), undefined, segment);
  });
});

describe('entry paths', () => {
  it('derives object paths from (group, kind, namespace, name), compressed from v1alpha2 on', () => {
    assert.equal(objectPath({ group: '', kind: 'Secret', namespace: 'ns1', name: 's1' }), 'objects/core/Secret/ns1/s1.json.zst');
    assert.equal(objectPath({ group: '', kind: 'Secret', namespace: 'ns1', name: 's1' }, 'v1alpha1'), 'objects/core/Secret/ns1/s1.json');
    assert.equal(objectPath({ group: 'kubevirt.io', kind: 'VirtualMachine', namespace: 'ns1', name: 'vm1' }, 'v1alpha1'), 'objects/kubevirt.io/VirtualMachine/ns1/vm1.json');
    assert.equal(
      objectPath({ group: 'instancetype.kubevirt.io', kind: 'VirtualMachineClusterInstancetype', namespace: '', name: 'small' }),
      'objects/instancetype.kubevirt.io/VirtualMachineClusterInstancetype/_cluster/small.json.zst',
    );
    assert.equal(objectPath({ group: '', kind: 'Secret', namespace: 'ns1', name: '../../etc' }), 'objects/core/Secret/ns1/%2E.%2F..%2Fetc.json.zst');
  });

  it('refuses the group "core", which would collide with the core group folder', () => {
    assert.throws(() => objectPath({ group: 'core', kind: 'Thing', namespace: 'ns1', name: 'x' }), /API group "core"/);
  });

  it('derives export, chunk, index and (v1alpha1) data paths', () => {
    assert.equal(exportPath('ns1', 'vm1'), 'exports/ns1/vm1.json.zst');
    assert.equal(exportPath('ns1', 'vm1', 'v1alpha1'), 'exports/ns1/vm1.json');
    assert.equal(chunkPath('ab'.repeat(32)), `chunks/sha256/${'ab'.repeat(32)}`);
    assert.throws(() => chunkPath('AB'.repeat(32)), /not a lower-case sha256/);
    assert.equal(volumeIndexPath('ns1', 'disk/1'), 'volumes/ns1/disk%2F1/index.json.zst');
    assert.equal(graphPath('v1alpha1'), 'graph.json');
    assert.equal(graphPath('v1alpha2'), 'graph.json.zst');
    assert.equal(dataPath('ns1', 'disk1', 'gzip'), 'data/ns1/disk1/disk.img.gz');
    assert.equal(dataPath('ns1', 'disk1', 'raw'), 'data/ns1/disk1/disk.img');
    assert.equal(dataPath('ns1', 'disk1', 'tar.gz'), 'data/ns1/disk1/disk.tar.gz');
  });

  it('parses every path it derives back to the same identity', () => {
    const refs = [
      { group: '', kind: 'Secret', namespace: 'ns1', name: 's1' },
      { group: 'instancetype.kubevirt.io', kind: 'VirtualMachineClusterInstancetype', namespace: '', name: 'small' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespace: '', name: 'system:controller:x' },
      { group: '', kind: 'ConfigMap', namespace: 'ns1', name: '..' },
    ];
    for (const ref of refs) assert.deepEqual(parseEntryPath(objectPath(ref, 'v1alpha1')), { section: 'object', path: objectPath(ref, 'v1alpha1'), ref });
    for (const ref of refs) assert.deepEqual(parseEntryPath(objectPath(ref), 'v1alpha2'), { section: 'object', path: objectPath(ref), ref });
    const sha256 = 'c0'.repeat(32);
    assert.deepEqual(parseEntryPath(chunkPath(sha256), 'v1alpha2'), { section: 'chunk', path: chunkPath(sha256), sha256 });
    assert.deepEqual(parseEntryPath('volumes/ns1/d/index.json.zst', 'v1alpha2'), { section: 'index', path: 'volumes/ns1/d/index.json.zst', namespace: 'ns1', volume: 'd' });
    assert.deepEqual(parseEntryPath('exports/ns1/vm1.json.zst', 'v1alpha2'), { section: 'export', path: 'exports/ns1/vm1.json.zst', namespace: 'ns1', vmName: 'vm1' });
    assert.equal(parseEntryPath('graph.json.zst', 'v1alpha2').section, 'graph');
    assert.deepEqual(parseEntryPath('exports/ns1/vm1.json'), { section: 'export', path: 'exports/ns1/vm1.json', namespace: 'ns1', vmName: 'vm1' });
    assert.deepEqual(parseEntryPath('data/ns1/d/disk.img.gz'), { section: 'data', path: 'data/ns1/d/disk.img.gz', namespace: 'ns1', volume: 'd', file: 'disk.img.gz', format: 'gzip' });
    assert.equal(parseEntryPath('kvbackup.json').section, 'header');
    assert.equal(parseEntryPath('graph.json').section, 'graph');
    assert.equal(parseEntryPath('trailer.json').section, 'trailer');
  });

  it('says why a name is unsafe', () => {
    const cases: [string, RegExp][] = [
      ['/etc/passwd', /absolute/],
      ['objects/../x.json', /"\.\."/],
      ['..', /"\.\."/],
      ['objects\\core', /backslash/],
      ['objects/a\u0000b', /control character/],
      ['objects/a\nb', /control character/],
      ['objects//x.json', /empty or "\."/],
      ['objects/./x.json', /empty or "\."/],
      ['objects/', /empty or "\."/],
      ['', /empty entry name/],
      ['a'.repeat(5000), /longer than/],
    ];
    for (const [name, reason] of cases) {
      assert.match(unsafeNameReason(name) ?? '', reason, JSON.stringify(name));
      const parsed = parseEntryPath(name);
      assert.equal(parsed.section === 'invalid' && parsed.code, 'unsafe-path', JSON.stringify(name));
    }
    assert.equal(unsafeNameReason('objects/core/Secret/ns1/s1.json'), undefined);
  });

  it('marks paths outside the v1alpha2 layout as unknown: v1alpha1 names, bad digests, other files', () => {
    const sha256 = 'c0'.repeat(32);
    for (const name of ['graph.json', 'objects/core/Secret/ns1/s1.json', 'exports/ns1/vm1.json', 'data/ns1/d/disk.img', `chunks/sha256/${sha256.toUpperCase()}`, `chunks/sha512/${sha256}`, `chunks/sha256/${sha256}/x`, 'chunks/sha256/abc', 'volumes/ns1/d/index.json', 'volumes/ns1/index.json.zst']) {
      const parsed = parseEntryPath(name, 'v1alpha2');
      assert.equal(parsed.section === 'invalid' && parsed.code, 'unknown-entry', name);
    }
    for (const name of [`chunks/sha256/${sha256}`, 'volumes/ns1/d/index.json.zst', 'graph.json.zst']) {
      const parsed = parseEntryPath(name, 'v1alpha1');
      assert.equal(parsed.section === 'invalid' && parsed.code, 'unknown-entry', name);
    }
  });

  it('marks paths outside the v1alpha1 layout as unknown', () => {
    for (const name of ['notes.txt', 'objects/core/Secret/s1.json', 'objects/core/Secret/ns1/s1.yaml', 'objects/core/Secret/ns1/%61.json', 'exports/ns1/vm1', 'data/ns1/d/disk.iso', 'data/ns1/disk.img', 'Kvbackup.json']) {
      const parsed = parseEntryPath(name);
      assert.equal(parsed.section === 'invalid' && parsed.code, 'unknown-entry', name);
    }
  });
});

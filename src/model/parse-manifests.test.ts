import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../errors.ts';
import { parseManifests } from './parse-manifests.ts';
import { peerManifestFiles, peerManifestText } from '../testing/peer-manifests.ts';

const configMap = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n${data}`;

function only(text: string): Record<string, unknown> {
  const objects = parseManifests(text, 'in.yaml');
  assert.equal(objects.length, 1);
  return objects[0]!.object as unknown as Record<string, unknown>;
}

describe('parseManifests', () => {
  it('reads YAML 1.1 scalars as sigs.k8s.io/yaml does', () => {
    const data = only(configMap('  octal: 0644\n  yes: yes\n  off: off\n  hex: 0x1F\n  time: 1:20\n  date: 2001-12-14\n  quoted: "0644"\n'))['data'];
    assert.deepEqual(data, { octal: 420, true: true, false: false, hex: 31, time: '1:20', date: '2001-12-14', quoted: '0644' });
  });

  it('reads multi-document streams, skipping empty documents', () => {
    const objects = parseManifests(`${configMap('  a: b\n')}---\n---\n# only a comment\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n`, 'in.yaml');
    assert.deepEqual(objects.map(({ object }) => object.kind), ['ConfigMap', 'Secret']);
    assert.deepEqual(objects.map(({ source }) => source), ['in.yaml: document 1', 'in.yaml: document 4']);
  });

  it('flattens kind: List and any *List with items', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: kubevirt.io/v1\n  kind: VirtualMachineList\n  items:\n  - {apiVersion: kubevirt.io/v1, kind: VirtualMachine, metadata: {name: vm}}\n';
    const objects = parseManifests(text, 'list.yaml');
    assert.deepEqual(objects.map(({ object }) => `${object.kind}/${object.metadata.name}`), ['ConfigMap/a', 'VirtualMachine/vm']);
    assert.equal(objects[1]?.source, 'list.yaml: items[1]: items[0]');
  });

  it('reads JSON, one object or an array', () => {
    assert.equal(parseManifests('{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}', 'a.json').length, 1);
    assert.equal(parseManifests('[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}},{"apiVersion":"v1","kind":"Secret","metadata":{"name":"t"}}]', 'a.json').length, 2);
  });

  it('returns nothing for empty input', () => {
    assert.deepEqual(parseManifests('', 'e.yaml'), []);
    assert.deepEqual(parseManifests('# nothing\n', 'e.yaml'), []);
  });

  const errors: [string, string, RegExp][] = [
    ['malformed YAML', 'a: [\n', /^in\.yaml:2:1: invalid YAML: /],
    ['duplicate keys', 'a: 1\na: 2\n', /^in\.yaml:2:1: invalid YAML: Map keys must be unique/],
    ['malformed JSON', '{"a":', /^in\.yaml:1:6: invalid JSON: Unexpected end of JSON input$/],
    ['malformed JSON on a later line', '{"a":\n  1,,}', /^in\.yaml:2:5: invalid JSON: /],
    ['a map as a key', 'a:\n  {b: 1}: x\n', /^in\.yaml:2:3: invalid YAML: a mapping key is a map; keys must be scalars$/],
    ['a list as a key', '? [a, b]\n: x\n', /^in\.yaml:1:3: invalid YAML: a mapping key is a list; keys must be scalars$/],
    ['a list document', '- a\n- b\n', /^in\.yaml: expected a Kubernetes object, found a list/],
    ['no apiVersion', 'kind: X\nmetadata: {name: a}\n', /^in\.yaml: object has no apiVersion$/],
    ['no kind', 'apiVersion: v1\nmetadata: {name: a}\n', /^in\.yaml: object has no kind$/],
    ['no name', 'apiVersion: v1\nkind: Secret\nmetadata: {generateName: a-}\n', /^in\.yaml: Secret has no metadata\.name$/],
    ['a numeric namespace', 'apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: 5}\n', /not a string/],
    ['an alias bomb', 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n', /^in\.yaml: Excessive alias count/],
  ];
  for (const [name, text, pattern] of errors) {
    it(`refuses ${name} with one line naming the input`, () => {
      assert.throws(() => parseManifests(text, 'in.yaml'), (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, pattern);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      });
    });
  }

  it('allows a few aliases, as real manifests use them', () => {
    const data = only(configMap('  a: &v value\n  b: *v\n'))['data'];
    assert.deepEqual(data, { a: 'value', b: 'value' });
  });

  for (const file of peerManifestFiles()) {
    it(`reads the peer manifest ${file}`, () => {
      const objects = parseManifests(peerManifestText(file), file);
      assert.ok(objects.length >= 1);
      for (const { object } of objects) assert.ok(object.apiVersion && object.kind && object.metadata.name);
    });
  }
});

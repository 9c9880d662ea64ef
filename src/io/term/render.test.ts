import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml, toJson, toYamlDocument, toYamlStream } from './render.ts';
import { parseManifests } from '../../model/parse-manifests.ts';

describe('toYamlDocument', () => {
  const tricky = {
    yes: 'yes', on: 'On', octal: '0644', octal12: '0o17', hex: '0x1F', sexagesimal: '1:20', date: '2001-12-14',
    nul: 'null', tilde: '~', exp: '1e3', inf: '.inf', empty: '', colon: 'a: b', plain: 'plain',
    number: 420, boolean: true, nothing: null, text: 'two\nlines', value: '=', merge: '<<', '<<': 'key', '=': 'key',
  };

  it('gives YAML 1.1 and YAML 1.2 readers the same values', () => {
    const yaml = toYamlDocument(tricky);
    assert.deepEqual(parseYaml(yaml, '1.1'), tricky);
    assert.deepEqual(parseYaml(yaml, '1.2'), tricky);
  });

  it('quotes the YAML 1.1 value and merge types, which a 1.1 reader such as PyYAML would resolve', () => {
    const yaml = toYamlDocument({ value: '=', merge: '<<', '<<': 'key' });
    assert.equal(yaml, 'value: "="\nmerge: "<<"\n"<<": key\n');
    assert.notDeepEqual(parseYaml('a: =\n', '1.1'), { a: '=' }, 'the 1.1 reader of the test knows the value type');
    assert.throws(() => parseYaml('<<: key\n', '1.1'), 'the 1.1 reader of the test knows merge keys');
  });

  it('is read back by the manifest parser as the same object', () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: tricky };
    assert.deepEqual(parseManifests(toYamlDocument(object), 'out.yaml')[0]?.object, object);
  });

  it('leaves plain strings unquoted and does not fold long lines', () => {
    const long = 'x'.repeat(300);
    const yaml = toYamlDocument({ plain: 'plain', long });
    assert.match(yaml, /^plain: plain$/m);
    assert.ok(yaml.includes(`long: ${long}\n`));
  });

  it('separates documents of a stream with ---', () => {
    assert.equal(toYamlStream([{ a: 1 }, { b: 2 }]), 'a: 1\n---\nb: 2\n');
  });

  it('prints JSON with a trailing newline', () => {
    assert.equal(toJson({ a: [1] }), '{\n  "a": [\n    1\n  ]\n}\n');
  });
});

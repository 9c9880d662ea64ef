import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileJsonPathTemplate, JsonPathTemplateError } from './jsonpath.ts';

const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'a', annotations: { 'kubevirt.io/x': '1' } }, status: { phase: 'Running' }, spec: { ports: [1, 2] } },
    { metadata: { name: 'b' }, status: { phase: 'Stopped' } },
  ],
};
const render = (template: string, value: unknown = list) => compileJsonPathTemplate(template)(value);

describe("kubectl's JSONPath templates", () => {
  const cases: [string, string][] = [
    ['{.items[*].metadata.name}', 'a b'],
    ['{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', 'a\tRunning\nb\tStopped\n'],
    ['{.items[0].metadata.annotations.kubevirt\\.io/x}', '1'],
    ["{.items[0].metadata.annotations['kubevirt.io/x']}", '1'],
    ['{.items[?(@.status.phase=="Running")].metadata.name}', 'a'],
    ['{.items[0].spec.ports}', '[1,2]'],
    ['{.items[0].metadata.annotations}', '{"kubevirt.io/x":"1"}'],
    ['{.items[-1:].metadata.name}', 'b'],
    ['{..phase}', 'Running Stopped'],
    ['{$.kind}', 'List'],
    ['kind={.kind};', 'kind=List;'],
    ['{.missing.field}', ''],
    ['{range .items[*]}[{@.metadata.name}]{end}', '[a][b]'],
  ];
  for (const [template, expected] of cases) {
    it(template, () => assert.equal(render(template), expected));
  }

  it('applies to a scalar root without failing', () => assert.equal(render('{.a}', 5), ''));

  for (const bad of ['{range .items[*]}', '{end}', '{.items[0', '{']) {
    it(`refuses ${bad}`, () => assert.throws(() => compileJsonPathTemplate(bad), JsonPathTemplateError));
  }
});

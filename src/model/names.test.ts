import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './kube-object.ts';
import { namingProblems, nameProblem, qualifiedNameProblem, labelValueProblem } from './names.ts';
import { parseManifests } from './parse-manifests.ts';
import { InputError } from '../errors.ts';

const pvc = (metadata: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p', namespace: 'ns1', ...metadata } }) as KubeObject;

describe('Kubernetes naming rules', () => {
  it('refuse names that could address something else, under every rule', () => {
    for (const rule of ['dns1123-subdomain', 'dns1123-label', 'path-segment'] as const) {
      for (const name of ['.', '..', '', 'a/b', 'a%2E', 'a\u001b[31m']) assert.ok(nameProblem(rule, name), `${rule} ${JSON.stringify(name)}`);
    }
    assert.equal(nameProblem('path-segment', 'system:admin'), undefined);
  });

  it('DNS-1123 subdomains and labels', () => {
    assert.equal(nameProblem('dns1123-subdomain', 'disk-1.v2'), undefined);
    assert.ok(nameProblem('dns1123-subdomain', 'Disk'));
    assert.ok(nameProblem('dns1123-subdomain', '-a'));
    assert.ok(nameProblem('dns1123-subdomain', 'a'.repeat(254)));
    assert.ok(nameProblem('dns1123-label', 'a.b'));
    assert.ok(nameProblem('dns1123-label', 'a'.repeat(64)));
  });

  it('label and annotation keys are qualified names, label values at most 63 characters', () => {
    assert.equal(qualifiedNameProblem('kubevirt.io/created-by'), undefined);
    assert.equal(qualifiedNameProblem('app'), undefined);
    assert.ok(qualifiedNameProblem('a/b/c'));
    assert.ok(qualifiedNameProblem('/x'));
    assert.ok(qualifiedNameProblem('Bad_Prefix/x'));
    assert.ok(qualifiedNameProblem('x\n'));
    assert.equal(labelValueProblem(''), undefined);
    assert.ok(labelValueProblem('a'.repeat(64)));
    assert.ok(labelValueProblem('a b'));
  });

  it('an object: name by its kind, namespace as a label, labels and annotations', () => {
    assert.deepEqual(namingProblems(pvc({})), []);
    assert.match(namingProblems(pvc({ name: '..' }))[0] ?? '', /metadata.name "\.\." may not be '\.\.'/);
    assert.match(namingProblems(pvc({ namespace: 'a.b' }))[0] ?? '', /metadata.namespace/);
    assert.match(namingProblems(pvc({ labels: { 'x/y/z': 'v' } }))[0] ?? '', /label key/);
    assert.match(namingProblems(pvc({ annotations: { 'bad key': 'v' } }))[0] ?? '', /annotation key/);
    assert.match(namingProblems({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } })[0] ?? '', /63 lowercase|lowercase alphanumeric/);
    // A kind the registry does not know gets the apiserver's generic path-segment rule.
    assert.deepEqual(namingProblems({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:x' } }), []);
  });

  it('manifests with an invalid name are refused naming the object, its value quoted', () => {
    assert.throws(() => parseManifests('{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":".."}}', 'x.json'), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /^x\.json: PersistentVolumeClaim "\.\.": metadata\.name/);
      return true;
    });
    assert.throws(() => parseManifests('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a\\u001b[2Jb"}}', 'x.json'), /"a\\u001b\[2Jb"/);
  });
});

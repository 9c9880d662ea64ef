import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownTypeWarning } from './api-groups.ts';
import { KNOWN_KINDS } from './kinds.ts';

describe('unknownTypeWarning', () => {
  it('accepts every kind the tool knows, at the version it uses', () => {
    for (const info of KNOWN_KINDS) {
      const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
      assert.equal(unknownTypeWarning({ apiVersion, kind: info.kind }), undefined, `${apiVersion} ${info.kind}`);
    }
  });

  it('accepts the other versions a group serves', () => {
    assert.equal(unknownTypeWarning({ apiVersion: 'kubevirt.io/v1alpha3', kind: 'VirtualMachine' }), undefined);
    assert.equal(unknownTypeWarning({ apiVersion: 'cdi.kubevirt.io/v1alpha1', kind: 'DataVolume' }), undefined);
  });

  it('names a kind or version a KubeVirt or CDI group does not serve', () => {
    assert.equal(unknownTypeWarning({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachin' }), 'unknown kind VirtualMachin in kubevirt.io');
    assert.equal(unknownTypeWarning({ apiVersion: 'kubevirt.io/v2', kind: 'VirtualMachine' }), 'unknown version kubevirt.io/v2 of VirtualMachine (kubevirt.io serves v1, v1alpha3)');
  });

  it('leaves groups it does not track alone', () => {
    assert.equal(unknownTypeWarning({ apiVersion: 'apps/v1', kind: 'Deployment' }), undefined);
    assert.equal(unknownTypeWarning({ apiVersion: 'v1', kind: 'Service' }), undefined);
    assert.equal(unknownTypeWarning({ apiVersion: 'example.com/v1', kind: 'Widget' }), undefined);
  });
});

// Tests for defineEdgeFamily's checks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InternalError } from '../errors.ts';
import { Kinds } from '../model/kinds.ts';
import { defineEdgeFamily } from './edge-family.ts';

const base = { name: 'vm-thing', description: 'Link things.', fromKinds: [Kinds.VirtualMachine], edges: () => [] };

describe('defineEdgeFamily', () => {
  it('returns a frozen family with the same behaviour', () => {
    const family = defineEdgeFamily(base);
    assert.equal(family.name, 'vm-thing');
    assert.ok(Object.isFrozen(family) && Object.isFrozen(family.fromKinds));
  });
  it('refuses a name that is not kebab-case', () => {
    assert.throws(() => defineEdgeFamily({ ...base, name: 'vmThing' }), InternalError);
    assert.throws(() => defineEdgeFamily({ ...base, name: 'vm--thing' }), InternalError);
  });
  it('refuses a family that reads no kinds or has no description', () => {
    assert.throws(() => defineEdgeFamily({ ...base, fromKinds: [] }), /reads no kinds/);
    assert.throws(() => defineEdgeFamily({ ...base, description: ' ' }), /has no description/);
  });
});

// Validates buildGraph output against schemas/graph.v1alpha1.schema.json, and the schema against bad documents.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import schema from '../../schemas/graph.v1alpha1.schema.json' with { type: 'json' };
import { Kinds } from '../model/kinds.ts';
import { validatorFor } from '../schemas.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { loadPeerManifest, peerManifestFiles } from '../testing/peer-manifests.ts';
import { buildGraph } from './build-graph.ts';
import { makeObject, makeVm } from './edge-fixtures.ts';

// Through the project's one Ajv registry, as the bundle reader validates a graph.
const validate = validatorFor('graph.v1alpha1');

function assertValid(document: unknown): void {
  assert.ok(validate(document), JSON.stringify(validate.errors));
}

describe('graph.v1alpha1 schema', () => {
  it('has the short $id the bundle refers to', () => {
    assert.equal(schema.$id, 'kvbackup/graph.v1alpha1.schema.json');
  });

  it('accepts the graph of every peer manifest, and of all of them together', () => {
    const all = peerManifestFiles().flatMap((file, i) => loadPeerManifest(file, `ns${i}`));
    assertValid(buildGraph(ObjectIndex.of(all)));
    for (const file of peerManifestFiles()) assertValid(buildGraph(ObjectIndex.of(loadPeerManifest(file))));
  });

  it('accepts missing and external nodes', () => {
    const vm = makeVm('vm', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'd' } }] }, { instancetype: { name: 'u1.small' } });
    const graph = buildGraph(ObjectIndex.of([vm, makeObject(Kinds.ConfigMap, 'x')]));
    assert.ok(graph.nodes.some((node) => node.missing && node.external));
    assertValid(graph);
  });

  const node = { group: '', kind: 'Secret', namespace: 'ns1', name: 's' };
  const edge = { from: node, to: node, reason: 'r', optional: false };
  const bad: Record<string, unknown> = {
    'no edges': { nodes: [] },
    'extra top-level key': { nodes: [], edges: [], version: 1 },
    'missing: false': { nodes: [{ ...node, missing: false }], edges: [] },
    'unknown node key': { nodes: [{ ...node, optional: true }], edges: [] },
    'node without namespace': { nodes: [{ group: '', kind: 'Secret', name: 's' }], edges: [] },
    'empty kind': { nodes: [{ ...node, kind: '' }], edges: [] },
    'edge without optional': { nodes: [node], edges: [{ from: node, to: node, reason: 'r' }] },
    'empty reason': { nodes: [node], edges: [{ ...edge, reason: '' }] },
    'edge ref with a node flag': { nodes: [node], edges: [{ ...edge, to: { ...node, missing: true } }] },
  };
  for (const [name, document] of Object.entries(bad)) {
    it(`rejects ${name}`, () => assert.equal(validate(document), false));
  }
});

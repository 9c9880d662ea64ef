// Tests for the -o dot renderer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kinds } from '../model/kinds.ts';
import type { Graph } from './build-graph.ts';
import { dotString, renderDot } from './render-dot.ts';

const ref = (kind: { group: string; kind: string }, name: string, namespace = 'ns1') => ({ ...kind, namespace, name });

describe('renderDot', () => {
  it('quotes ids, styles missing and external nodes, dashes optional edges', () => {
    const vm = ref(Kinds.VirtualMachine, 'vm');
    const pvc = ref(Kinds.PersistentVolumeClaim, 'disk');
    const cluster = ref(Kinds.VirtualMachineClusterInstancetype, 'u1.small', '');
    const graph: Graph = {
      nodes: [{ ...pvc, missing: true }, vm, { ...cluster, missing: true, external: true }],
      edges: [
        { from: vm, to: pvc, reason: 'spec.template.spec.volumes[0].persistentVolumeClaim.claimName', optional: false },
        { from: vm, to: cluster, reason: 'spec.instancetype.name', optional: true },
      ],
    };
    assert.equal(
      renderDot(graph),
      [
        'digraph kvbackup {',
        '  rankdir="LR";',
        '  node [shape="box"];',
        '  "/PersistentVolumeClaim/ns1/disk" [label="PersistentVolumeClaim\\nns1/disk\\n(missing)", style="dashed", color="red", fontcolor="red"];',
        '  "kubevirt.io/VirtualMachine/ns1/vm" [label="VirtualMachine.kubevirt.io\\nns1/vm"];',
        '  "instancetype.kubevirt.io/VirtualMachineClusterInstancetype//u1.small" [label="VirtualMachineClusterInstancetype.instancetype.kubevirt.io\\nu1.small\\n(missing, external)", style="dashed,rounded", color="red", fontcolor="red"];',
        '  "kubevirt.io/VirtualMachine/ns1/vm" -> "/PersistentVolumeClaim/ns1/disk" [label="spec.template.spec.volumes[0].persistentVolumeClaim.claimName"];',
        '  "kubevirt.io/VirtualMachine/ns1/vm" -> "instancetype.kubevirt.io/VirtualMachineClusterInstancetype//u1.small" [label="spec.instancetype.name", style="dashed"];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('prints an empty digraph for an empty graph', () => {
    assert.equal(renderDot({ nodes: [], edges: [] }), 'digraph kvbackup {\n  rankdir="LR";\n  node [shape="box"];\n}\n');
  });

  it('escapes quotes, backslashes and newlines', () => {
    assert.equal(dotString('a "b" \\ c\nd'), '"a \\"b\\" \\\\ c\\nd"');
  });
});

// Tests for the network-attachment-definition edge family.

import { makePool, makeVm, makeVmi } from '../edge-fixtures.ts';
import { edgeTester } from '../edge-tester.ts';
import family, { NetworkAttachmentDefinitionKind } from './network-attachment-definition.ts';

const nad = (namespace: string, name: string, reason: string) => ({ to: { ...NetworkAttachmentDefinitionKind, namespace, name }, reason, optional: false });

edgeTester.run(family, {
  valid: [
    { name: 'pod network only', object: makeVm('vm', { networks: [{ name: 'default', pod: {} }] }) },
    { name: 'multus without a network name', object: makeVm('vm', { networks: [{ name: 'n', multus: {} }] }) },
    { name: 'malformed ns/ network name', object: makeVmi('vmi', { networks: [{ name: 'n', multus: { networkName: 'ns2/' } }] }) },
  ],
  invalid: [
    {
      name: 'network in the same namespace',
      object: makeVm('vm', { networks: [{ name: 'default', pod: {} }, { name: 'br', multus: { networkName: 'bridge-net' } }] }),
      edges: [nad('ns1', 'bridge-net', 'spec.template.spec.networks[1].multus.networkName')],
    },
    {
      name: 'network in another namespace',
      object: makeVmi('vmi', { networks: [{ name: 'br', multus: { networkName: 'default/bridge-net', default: true } }] }),
      edges: [nad('default', 'bridge-net', 'spec.networks[0].multus.networkName')],
    },
    {
      name: 'pool template',
      object: makePool('pool', { networks: [{ name: 'br', multus: { networkName: 'bridge-net' } }] }),
      edges: [nad('ns1', 'bridge-net', 'spec.virtualMachineTemplate.spec.template.spec.networks[0].multus.networkName')],
    },
  ],
});

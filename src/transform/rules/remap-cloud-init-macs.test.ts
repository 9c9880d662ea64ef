// Tests for remap-cloud-init-macs (new MACs pinned for the tester's seed "rule-tester", as in remap-mac-addresses).

import type { JsonObject, KubeObject } from '../../model/kube-object.ts';
import { ruleTester } from '../rule-tester.ts';
import { domainSpec, vm } from '../test-fixtures.ts';
import rule from './remap-cloud-init-macs.ts';

const A = '52:54:00:12:34:56';
const A_NEW = '02:e7:76:64:9b:d5';
const B = '52:54:00:12:34:ab';
const B_NEW = 'a6:d9:c7:3d:a9:a1';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const netplan = (mac: string) => `version: 2\nethernets:\n  eth0:\n    match:\n      macaddress: "${mac}"\n    dhcp4: true\n`;
const spec = '/spec/template/spec/volumes/0/cloudInitNoCloud';

/** A VM whose one interface has MAC A (or none) and whose one cloud-init volume is `source`. */
function vmWith(source: JsonObject, mac: string | null = A, kind: 'cloudInitNoCloud' | 'cloudInitConfigDrive' = 'cloudInitNoCloud'): KubeObject {
  const iface: JsonObject = mac === null ? { name: 'default', masquerade: {} } : { name: 'default', masquerade: {}, macAddress: mac };
  return vm('vm1', { template: { spec: { ...domainSpec([iface]), volumes: [{ name: 'cloudinit', [kind]: source }] } } });
}

function secret(name: string, members: JsonObject): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'ns1' }, type: 'Opaque', ...members };
}

ruleTester.run(rule, {
  valid: [
    { name: 'keep mode leaves cloud-init alone', object: vmWith({ networkData: netplan(A) }), options: { mac: 'keep' } },
    { name: 'a MAC no interface has is not remapped', object: vmWith({ networkData: netplan('52:54:00:99:99:99') }) },
    { name: 'interfaces without MACs: nothing is remapped', object: vmWith({ networkData: netplan(A) }, null) },
    { name: 'longer hex runs are not MACs', object: vmWith({ userData: `#cloud-config\nwrite_files: [{content: "52:54:00:12:34:56:78"}]\n` }) },
    {
      name: 'clear mode: a cloud-init MAC of a cleared interface is reported',
      object: vmWith({ networkData: netplan(A) }),
      options: { mac: 'clear' },
      warnings: [`${spec}/networkData: names MAC ${A}, which --mac clear removes from the interfaces; not rewritten`],
    },
    {
      name: 'base64 that is not UTF-8 text (gzip) is reported',
      object: vmWith({ userDataBase64: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]).toString('base64') }),
      warnings: [`${spec}/userDataBase64: not base64 of UTF-8 text (compressed?), so MAC addresses in it, if any, are not rewritten`],
    },
    {
      name: 'a cloud-init Secret missing from the input is reported',
      object: vmWith({ networkDataSecretRef: { name: 'net' } }),
      warnings: [`${spec}/networkDataSecretRef: Secret ns1/net is not in the input, so MAC addresses in it, if any, are not rewritten`],
    },
    {
      name: 'a Secret no cloud-init volume names is not read',
      object: secret('other', { stringData: { networkdata: netplan(A) } }),
      others: [vmWith({ networkDataSecretRef: { name: 'net' } })],
    },
  ],
  invalid: [
    {
      name: 'inline networkData (netplan v2 match.macaddress)',
      object: vmWith({ networkData: netplan(A) }),
      ops: [{ op: 'replace', path: `${spec}/networkData`, old: netplan(A), new: netplan(A_NEW) }],
      output: vmWith({ networkData: netplan(A_NEW) }),
    },
    {
      name: 'networkDataBase64, in a config drive, upper case and dashes kept',
      object: vmWith({ networkDataBase64: b64(netplan('52-54-00-12-34-56')) }, A, 'cloudInitConfigDrive'),
      ops: [
        {
          op: 'replace',
          path: '/spec/template/spec/volumes/0/cloudInitConfigDrive/networkDataBase64',
          old: b64(netplan('52-54-00-12-34-56')),
          new: b64(netplan('02-e7-76-64-9b-d5')),
        },
      ],
      output: vmWith({ networkDataBase64: b64(netplan('02-e7-76-64-9b-d5')) }, A, 'cloudInitConfigDrive'),
    },
    {
      name: 'userData naming the MAC in upper case',
      object: vmWith({ userData: `#cloud-config\nbootcmd:\n  - ip link show | grep -i ${B.toUpperCase()}\n` }, B),
      ops: [
        {
          op: 'replace',
          path: `${spec}/userData`,
          old: `#cloud-config\nbootcmd:\n  - ip link show | grep -i ${B.toUpperCase()}\n`,
          new: `#cloud-config\nbootcmd:\n  - ip link show | grep -i ${B_NEW.toUpperCase()}\n`,
        },
      ],
      output: vmWith({ userData: `#cloud-config\nbootcmd:\n  - ip link show | grep -i ${B_NEW.toUpperCase()}\n` }, B),
    },
    {
      name: 'network data in a cloud-init Secret of the input (data, base64)',
      object: secret('net', { data: { networkdata: b64(netplan(A)) } }),
      others: [vmWith({ networkDataSecretRef: { name: 'net' } })],
      ops: [{ op: 'replace', path: '/data/networkdata', old: b64(netplan(A)), new: b64(netplan(A_NEW)) }],
      output: secret('net', { data: { networkdata: b64(netplan(A_NEW)) } }),
    },
    {
      name: 'user data in a cloud-init Secret of the input (stringData)',
      object: secret('user', { stringData: { userData: `#cloud-config\n# nic ${A}\n` } }),
      others: [vmWith({ secretRef: { name: 'user' } })],
      ops: [{ op: 'replace', path: '/stringData/userData', old: `#cloud-config\n# nic ${A}\n`, new: `#cloud-config\n# nic ${A_NEW}\n` }],
      output: secret('user', { stringData: { userData: `#cloud-config\n# nic ${A_NEW}\n` } }),
    },
  ],
});

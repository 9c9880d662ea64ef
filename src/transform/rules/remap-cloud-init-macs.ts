// Rewrite the MAC addresses cloud-init network and user data name, with the interfaces' own mapping.

import { get, getString, isRecord, type KubeObject } from '../../model/kube-object.ts';
import { Kinds, VMI_SPEC_KINDS, isKind } from '../../model/kinds.ts';
import type { ObjectIndex } from '../../model/object-index.ts';
import { describeRef, refKey, type ObjectRef } from '../../model/object-ref.ts';
import { setOp } from '../ops.ts';
import { pointer } from '../pointer.ts';
import { formatMac, normaliseMac } from '../remap/mac.ts';
import { interfaceMacMapping } from '../remap/mac-mapping.ts';
import { macMapOption, macOption, seedOption } from '../remap/shared-options.ts';
import { changes, defineRule, NO_CHANGES, type Op } from '../rule.ts';
import { macAddressesOf, vmiSpecOf } from '../vm-specs.ts';
import { decodeBase64Text, encodeBase64Text, rewriteMacs } from './remap-cloud-init-macs-utils/mac-text.ts';

/** KubeVirt's cloud-init volume sources (CloudInitNoCloudSource, CloudInitConfigDriveSource). */
const SOURCES = ['cloudInitNoCloud', 'cloudInitConfigDrive'] as const;
/** Their inline fields: plain text, or base64. */
const INLINE_FIELDS = [
  ['userData', 'text'],
  ['userDataBase64', 'base64'],
  ['networkData', 'text'],
  ['networkDataBase64', 'base64'],
] as const;
/** Their Secret references (UserDataSecretRef is `secretRef` in JSON). */
const SECRET_REFS = ['secretRef', 'networkDataSecretRef'] as const;
/** The Secret keys KubeVirt reads (pkg/cloud-init/cloud-init.go: the first found of these). */
const SECRET_KEYS = ['userdata', 'userData', 'networkdata', 'networkData'] as const;

interface Site {
  path: string;
  text: string;
  encoding: 'text' | 'base64';
}

/** The cloud-init volume sources of a VMI spec, with the pointer to each. */
function cloudInitSources(object: KubeObject): { source: Record<string, unknown>; segments: (string | number)[] }[] {
  const site = vmiSpecOf(object);
  const volumes = site?.spec['volumes'];
  if (!site || !Array.isArray(volumes)) return [];
  return volumes.flatMap((volume: unknown, i) =>
    SOURCES.flatMap((name) => {
      const source = get(volume, name);
      return isRecord(source) ? [{ source, segments: [...site.segments, 'volumes', i, name] }] : [];
    }),
  );
}

/** The refs of the Secrets the input's cloud-init volumes name. */
function cloudInitSecrets(index: ObjectIndex): Set<string> {
  const secrets = new Set<string>();
  for (const { ref, object } of index.entries()) {
    if (!VMI_SPEC_KINDS.some((kind) => isKind(object, kind))) continue;
    for (const { source } of cloudInitSources(object)) {
      for (const field of SECRET_REFS) {
        const name = getString(source, field, 'name');
        if (name) secrets.add(refKey({ ...Kinds.Secret, namespace: ref.namespace, name }));
      }
    }
  }
  return secrets;
}

export default defineRule({
  name: 'remap-cloud-init-macs',
  description:
    'Remap the MAC addresses that cloud-init network and user data name (inline, base64, or in a cloud-init Secret of the input) with the mapping remap-mac-addresses gives the interfaces, warning where they cannot be rewritten.',
  kinds: [...VMI_SPEC_KINDS, Kinds.Secret],
  options: { mac: macOption, macMap: macMapOption, seed: seedOption },
  create({ index, options }) {
    if (options.mac === 'keep') return NO_CHANGES;
    const mapping: ReadonlyMap<string, string> = options.mac === 'remap' ? interfaceMacMapping(index, options) : new Map<string, string>();
    const interfaceMacs = new Set<string>();
    for (const kind of VMI_SPEC_KINDS) {
      for (const object of index.ofKind(kind.group, kind.kind)) {
        for (const { value } of macAddressesOf(object)) {
          const mac = normaliseMac(value);
          if (mac !== undefined) interfaceMacs.add(mac);
        }
      }
    }
    if (interfaceMacs.size === 0) return NO_CHANGES;
    const secrets = cloudInitSecrets(index);

    /** The op and warnings for one text site; nothing is said of the text itself (it may be a Secret's). */
    const rewrite = ({ path, text, encoding }: Site, ops: Op[], warnings: string[]): void => {
      const plain = encoding === 'base64' ? decodeBase64Text(text) : text;
      if (plain === undefined) {
        warnings.push(`${path}: not base64 of UTF-8 text (compressed?), so MAC addresses in it, if any, are not rewritten`);
        return;
      }
      const result = rewriteMacs(plain, (old) => mapping.get(old));
      if (options.mac === 'clear') {
        for (const mac of new Set(result.found)) {
          if (interfaceMacs.has(mac)) warnings.push(`${path}: names MAC ${formatMac(mac)}, which --mac clear removes from the interfaces; not rewritten`);
        }
        return;
      }
      if (result.replaced.length > 0) ops.push(...setOp(path, text, encoding === 'base64' ? encodeBase64Text(result.text) : result.text));
    };

    return (object, ref) => {
      const ops: Op[] = [];
      const warnings: string[] = [];
      if (isKind(object, Kinds.Secret)) {
        if (!secrets.has(refKey(ref))) return undefined;
        for (const [member, encoding] of [['data', 'base64'], ['stringData', 'text']] as const) {
          for (const key of SECRET_KEYS) {
            const text = get(object, member, key);
            if (typeof text === 'string') rewrite({ path: pointer(member, key), text, encoding }, ops, warnings);
          }
        }
        return changes(ops, warnings);
      }
      for (const { source, segments } of cloudInitSources(object)) {
        for (const [field, encoding] of INLINE_FIELDS) {
          const text = source[field];
          if (typeof text === 'string') rewrite({ path: pointer(...segments, field), text, encoding }, ops, warnings);
        }
        if (macAddressesOf(object).length === 0) continue;
        for (const field of SECRET_REFS) {
          const name = getString(source, field, 'name');
          const secret: ObjectRef = { ...Kinds.Secret, namespace: ref.namespace, name: name ?? '' };
          if (name && !index.has(secret)) {
            warnings.push(`${pointer(...segments, field)}: ${describeRef(secret)} is not in the input, so MAC addresses in it, if any, are not rewritten`);
          }
        }
      }
      return changes(ops, warnings);
    };
  },
});

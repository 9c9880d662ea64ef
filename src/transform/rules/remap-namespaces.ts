// Move objects to other namespaces, and every reference that names a moved namespace with them.

import { Kinds, isKind } from '../../model/kinds.ts';
import { compareStrings } from '../../model/object-ref.ts';
import { namespaceReferencesOf } from '../namespace-references.ts';
import { setOp } from '../ops.ts';
import { pointer } from '../pointer.ts';
import { changes, defineRule, NO_CHANGES, type Op } from '../rule.ts';
import { defineOption, DNS_LABEL_SCHEMA, nameMapSchema } from '../option.ts';

const targetNamespaceOption = defineOption<string>({
  schema: DNS_LABEL_SCHEMA,
  flag: {
    name: 'target-namespace',
    argument: 'value',
    description: 'Move every namespaced object to this namespace',
    documentation: 'move every namespaced object there',
  },
  rewrites: true,
  excludes: ['namespaceMap'],
});

const namespaceMapOption = defineOption<Record<string, string>>({
  schema: nameMapSchema(DNS_LABEL_SCHEMA),
  flag: {
    name: 'namespace-map',
    argument: 'pairs',
    description: 'Move namespace old to new (old=new, repeatable)',
    documentation: 'move only the namespaces named (repeatable); not together with `--target-namespace`',
  },
  rewrites: true,
  excludes: ['targetNamespace'],
});

export default defineRule({
  name: 'remap-namespaces',
  description:
    'Remap the namespaces of objects to the target or mapped ones and rewrite every reference naming a moved namespace, reporting references into namespaces that stay.',
  options: { targetNamespace: targetNamespaceOption, namespaceMap: namespaceMapOption },
  create({ index, options }) {
    const { targetNamespace, namespaceMap } = options;
    if (targetNamespace === undefined && namespaceMap === undefined) return NO_CHANGES;
    // old → new. A target namespace moves the namespaces the input has objects in (and its Namespace objects).
    const moved = new Map<string, string>(Object.entries(namespaceMap ?? {}));
    if (targetNamespace !== undefined) {
      for (const { ref, object } of index.entries()) {
        const name = ref.namespace !== '' ? ref.namespace : isKind(object, Kinds.Namespace) ? ref.name : '';
        if (name !== '') moved.set(name, targetNamespace);
      }
    }
    // Several Namespace objects may land on one name: the one already named so is kept, else the first by name.
    const keeperOf = new Map<string, string>();
    const namespaces = index.ofKind(Kinds.Namespace.group, Kinds.Namespace.kind).map((ns) => ns.metadata.name);
    for (const name of namespaces.sort(compareStrings)) {
      const target = moved.get(name) ?? name;
      const keeper = keeperOf.get(target);
      if (keeper === undefined || (name === target && keeper !== target)) keeperOf.set(target, name);
    }

    return (object, ref) => {
      if (isKind(object, Kinds.Namespace)) {
        const name = object.metadata.name;
        const target = moved.get(name);
        if (target === undefined) return undefined;
        const keeper = keeperOf.get(target)!;
        if (keeper !== name) {
          const how = keeper === target ? 'already has that name' : 'takes that name';
          return { drop: `merged into namespace ${target}: the input's Namespace ${keeper} ${how}` };
        }
        return changes(setOp(pointer('metadata', 'name'), name, target));
      }
      const ops: Op[] = [];
      const warnings: string[] = [];
      const target = ref.namespace === '' ? undefined : moved.get(ref.namespace);
      if (target !== undefined) ops.push(...setOp(pointer('metadata', 'namespace'), object.metadata.namespace, target));
      for (const reference of namespaceReferencesOf(object)) {
        const next = moved.get(reference.namespace);
        if (next === undefined) {
          warnings.push(`${reference.path}: ${reference.what} in namespace ${reference.namespace}, which is not moved`);
        } else {
          ops.push(...setOp(reference.path, reference.value, reference.rewrite(next)));
        }
      }
      return changes(ops, warnings);
    };
  },
});

// Rule 9: choose whether restored VMs start, by setting their runStrategy (which excludes `running`).

import { Kinds } from '../../model/kinds.ts';
import { removeOp, setOp } from '../ops.ts';
import { pointer } from '../pointer.ts';
import { changes, defineRule, NO_CHANGES } from '../rule.ts';
import { vmSpecOf } from '../vm-specs.ts';

export default defineRule({
  name: 'set-run-strategy',
  description:
    'Set the runStrategy of VirtualMachines and of pool VM templates to the one asked for, and drop spec.running.',
  kinds: [Kinds.VirtualMachine, Kinds.VirtualMachinePool],
  create({ options }) {
    const runStrategy = options.runStrategy;
    if (runStrategy === undefined) return NO_CHANGES;
    return (object) => {
      const site = vmSpecOf(object);
      if (!site) return undefined;
      // KubeVirt rejects a VM that has both fields, so the old `running` goes whatever its value.
      return changes([
        ...setOp(pointer(...site.segments, 'runStrategy'), site.spec['runStrategy'], runStrategy),
        ...removeOp(pointer(...site.segments, 'running'), site.spec['running']),
      ]);
    };
  },
});

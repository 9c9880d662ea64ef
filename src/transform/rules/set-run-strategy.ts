// Choose whether restored VMs start, by setting their runStrategy (which excludes `running`).

import { Kinds } from '../../model/kinds.ts';
import { removeOp, setOp } from '../ops.ts';
import { pointer } from '../pointer.ts';
import { changes, defineRule, NO_CHANGES } from '../rule.ts';
import { vmSpecOf } from '../vm-specs.ts';
import { defineOption } from '../option.ts';

/** KubeVirt's VirtualMachineRunStrategy values. */
export type RunStrategy = 'Always' | 'Halted' | 'Manual' | 'RerunOnFailure' | 'Once';
export const RUN_STRATEGIES: readonly RunStrategy[] = Object.freeze(['Always', 'Halted', 'Manual', 'RerunOnFailure', 'Once']);

const runStrategyOption = defineOption<RunStrategy>({
  schema: { enum: [...RUN_STRATEGIES] },
  flag: {
    name: 'run-strategy',
    argument: 'value',
    description: "Set the restored VMs' runStrategy (and drop spec.running)",
    documentation: "set the restored VMs' `runStrategy` and drop `running`",
  },
  rewrites: true,
});

export default defineRule({
  name: 'set-run-strategy',
  description:
    'Set the runStrategy of VirtualMachines and of pool VM templates to the one asked for, and drop spec.running.',
  kinds: [Kinds.VirtualMachine, Kinds.VirtualMachinePool],
  options: { runStrategy: runStrategyOption },
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

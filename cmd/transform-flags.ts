// The transform rule flags, shared by `transform` and `restore`.

import type { Argv } from 'yargs';
import type { TransformFlags } from '../src/app/options.ts';
import { parsePairs } from './flags.ts';

const RUN_STRATEGIES = ['Always', 'Halted', 'Manual', 'RerunOnFailure', 'Once'] as const;
const identityModes = ['remap', 'clear', 'keep'] as const;

/** `seedDefault` says what happens without --seed (transform: random; restore: derived from the input). */
export function withTransformFlags<T>(yargs: Argv<T>, seedDefault = 'random, printed on stderr') {
  return yargs
    .option('mac', {
      choices: identityModes,
      default: 'remap' as const,
      description: 'MAC addresses: give each a new locally administered one, clear them, or keep them',
    })
    .option('mac-map', {
      type: 'string',
      description: 'YAML or JSON file of explicit old: new MAC pairs; remap fills the rest',
      requiresArg: true,
    })
    .option('firmware', {
      choices: identityModes,
      default: 'remap' as const,
      description: 'Firmware serial and UUID: remap, clear or keep',
    })
    .option('seed', {
      type: 'string',
      description: `Seed for remapping, so the same input gives the same output (default: ${seedDefault})`,
      requiresArg: true,
    })
    .option('target-namespace', {
      type: 'string',
      description: 'Move every namespaced object to this namespace',
      requiresArg: true,
    })
    .option('namespace-map', {
      type: 'string',
      array: true,
      description: 'Move namespace old to new (old=new, repeatable)',
      requiresArg: true,
      coerce: (values: string[]) => values && parsePairs('namespace-map', values),
    })
    .option('storage-class-map', {
      type: 'string',
      array: true,
      description: 'Replace storage class old by new (old=new, repeatable)',
      requiresArg: true,
      coerce: (values: string[]) => values && parsePairs('storage-class-map', values),
    })
    .option('run-strategy', {
      choices: RUN_STRATEGIES,
      description: "Set the restored VMs' runStrategy (and drop spec.running)",
    })
    .conflicts('target-namespace', 'namespace-map');
}

export function readTransformFlags(argv: {
  mac: TransformFlags['mac'];
  'mac-map'?: string | undefined;
  firmware: TransformFlags['firmware'];
  seed?: string | undefined;
  'target-namespace'?: string | undefined;
  'namespace-map'?: unknown;
  'storage-class-map'?: unknown;
  'run-strategy'?: TransformFlags['runStrategy'];
}): TransformFlags {
  return {
    mac: argv.mac,
    macMapFile: argv['mac-map'],
    firmware: argv.firmware,
    seed: argv.seed,
    targetNamespace: argv['target-namespace'],
    namespaceMap: argv['namespace-map'] as Record<string, string> | undefined,
    storageClassMap: argv['storage-class-map'] as Record<string, string> | undefined,
    runStrategy: argv['run-strategy'],
  };
}

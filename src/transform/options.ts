// The transform options: their type, defaults and checks (the JSON Schema is the report schema's transformOptions).

import { UsageError } from '../errors.ts';
import { compareStrings } from '../model/object-ref.ts';
import { validateMacMap } from './mac-map.ts';
import { reportSchema } from './schemas.ts';

/** How MACs or firmware ids are treated: new values, removed, or left as they are. */
export type IdentityMode = 'remap' | 'clear' | 'keep';
export const IDENTITY_MODES: readonly IdentityMode[] = ['remap', 'clear', 'keep'];

export type RunStrategy = 'Always' | 'Halted' | 'Manual' | 'RerunOnFailure' | 'Once';
export const RUN_STRATEGIES: readonly RunStrategy[] = ['Always', 'Halted', 'Manual', 'RerunOnFailure', 'Once'];

/** Options of one transform run, after defaults. Maps hold their keys sorted. */
export interface TransformOptions {
  /** MAC addresses of VM, VMI, replica set and pool interfaces. */
  mac: IdentityMode;
  /** Explicit old → new MAC pairs (remap only); remap generates the rest. */
  macMap?: Record<string, string>;
  /** Firmware serial and UUID. */
  firmware: IdentityMode;
  /** Every generated value derives from it (docs/remap-algorithm.md). */
  seed: string;
  /** Move every namespaced object here. Excludes `namespaceMap`. */
  targetNamespace?: string;
  /** Move only the namespaces named, old → new. Excludes `targetNamespace`. */
  namespaceMap?: Record<string, string>;
  /** Replace storage class old → new. */
  storageClassMap?: Record<string, string>;
  /** Set on restored VMs (and pool templates), dropping `spec.running`. */
  runStrategy?: RunStrategy;
}

/** What a caller gives: only the seed is required. */
export type TransformOptionsInput = Partial<TransformOptions> & { seed: string };

/** Defaults of the options that have one. */
export const DEFAULT_TRANSFORM_OPTIONS = { mac: 'remap', firmware: 'remap' } as const satisfies Partial<TransformOptions>;

/** The JSON Schema of the options (seed optional, as in a report). */
export const transformOptionsSchema = reportSchema.definitions.transformOptions;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KNOWN_KEYS = new Set([
  'mac',
  'macMap',
  'firmware',
  'seed',
  'targetNamespace',
  'namespaceMap',
  'storageClassMap',
  'runStrategy',
]);

/**
 * Applies the defaults and checks the options; the result has a fixed key order and sorted maps, so it can be
 * written into a report as is.
 * @throws UsageError for a bad option or a bad combination; InputError for a bad MAC map.
 */
export function resolveTransformOptions(input: TransformOptionsInput): TransformOptions {
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined && !KNOWN_KEYS.has(key)) throw new UsageError(`unknown transform option "${key}"`);
  }
  const mac = input.mac ?? DEFAULT_TRANSFORM_OPTIONS.mac;
  const firmware = input.firmware ?? DEFAULT_TRANSFORM_OPTIONS.firmware;
  if (!IDENTITY_MODES.includes(mac)) {
    throw new UsageError(`mac mode must be one of ${IDENTITY_MODES.join(', ')}, not "${mac}"`);
  }
  if (!IDENTITY_MODES.includes(firmware)) {
    throw new UsageError(`firmware mode must be one of ${IDENTITY_MODES.join(', ')}, not "${firmware}"`);
  }
  if (typeof input.seed !== 'string' || input.seed === '') throw new UsageError('the seed must be a non-empty string');
  if (input.macMap !== undefined && mac !== 'remap') throw new UsageError(`a MAC map needs mac mode remap, not "${mac}"`);
  if (input.targetNamespace !== undefined && input.namespaceMap !== undefined) {
    throw new UsageError('a target namespace and a namespace map cannot be combined');
  }
  if (input.targetNamespace !== undefined) checkName(input.targetNamespace, DNS_LABEL, 'target namespace');
  if (input.runStrategy !== undefined && !RUN_STRATEGIES.includes(input.runStrategy)) {
    throw new UsageError(`run strategy must be one of ${RUN_STRATEGIES.join(', ')}, not "${input.runStrategy}"`);
  }

  const options: TransformOptions = { mac, firmware, seed: input.seed };
  if (input.macMap !== undefined) options.macMap = sortedMap(validateMacMap(input.macMap, 'the MAC map'));
  if (input.targetNamespace !== undefined) options.targetNamespace = input.targetNamespace;
  if (input.namespaceMap !== undefined) options.namespaceMap = checkedMap(input.namespaceMap, DNS_LABEL, 'namespace');
  if (input.storageClassMap !== undefined) {
    options.storageClassMap = checkedMap(input.storageClassMap, DNS_SUBDOMAIN, 'storage class');
  }
  if (input.runStrategy !== undefined) options.runStrategy = input.runStrategy;
  return options;
}

function checkName(value: unknown, pattern: RegExp, what: string): void {
  if (typeof value !== 'string' || value.length > 253 || !pattern.test(value) || (pattern === DNS_LABEL && value.length > 63)) {
    throw new UsageError(`${what} ${JSON.stringify(value)} is not a valid name`);
  }
}

function checkedMap(map: unknown, pattern: RegExp, what: string): Record<string, string> {
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw new UsageError(`the ${what} map must be an object`);
  for (const [from, to] of Object.entries(map)) {
    checkName(from, pattern, what);
    checkName(to, pattern, what);
  }
  return sortedMap(map as Record<string, string>);
}

function sortedMap(map: Record<string, string>): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(map).sort(compareStrings)) sorted[key] = map[key]!;
  return sorted;
}

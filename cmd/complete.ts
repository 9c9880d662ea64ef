// Shell completion in Cobra's `__complete` protocol, which kubectl's plugin completion (kubectl_complete-kvbackup)
// and the scripts of `completion bash|zsh|fish|powershell` speak: candidates one per line, then `:<directive>`.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import yargs, { type CommandModule } from 'yargs';
import { commands } from './index.ts';

const allCommands = commands as unknown as readonly CommandModule[];
import { outputFormatsOf, withVerbosity } from './flags.ts';
import { SHELLS } from './completion.ts';
import { Kinds } from '../src/model/kinds.ts';

/** Cobra's ShellCompDirective bits. */
export const Directive = { default: 0, error: 1, noSpace: 2, noFileComp: 4 } as const;

/** Flags whose value is a path: the shell completes file names. */
const FILE_FLAGS = new Set(['filename', 'output-file', 'mac-map', 'report', 'upload-proxy-ca', 'kubeconfig']);

/** How long completion waits for a cluster before it offers nothing: a prompt must never hang. */
export const CLUSTER_COMPLETION_TIMEOUT_MS = 1500;

export interface Completion {
  candidates: string[];
  directive: number;
}

/** Cluster look-ups completion makes; replaced in tests. */
export interface CompletionSources {
  namespaces(connection: Connection): Promise<string[]>;
  virtualMachines(connection: Connection & { namespace: string | undefined }): Promise<string[]>;
  contexts(connection: Connection): Promise<string[]>;
}

interface Connection {
  kubeconfig: string | undefined;
  context: string | undefined;
}

interface FlagTable {
  /** Every spelling (`filename`, `f`) → its canonical name. */
  canonical: Map<string, string>;
  takesValue: Set<string>;
  choices: Map<string, readonly string[]>;
  long: string[];
  short: string[];
  /** What `-o` takes. */
  outputs: readonly string[];
}

/** `words` are the words after the program name, the last one being completed (empty after a space). */
export async function complete(words: readonly string[], sources: CompletionSources = clusterSources): Promise<Completion> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const commandName = findCommand(before);
  const command = allCommands.find((candidate) => nameOf(candidate) === commandName);
  const table = flagTable(command);
  const connection = connectionOf(before, table);

  const previous = before.at(-1);
  if (previous?.startsWith('-') && !previous.includes('=') && !isAfterDoubleDash(before)) {
    const flag = table.canonical.get(previous.replace(/^--?/, ''));
    if (flag && table.takesValue.has(flag)) return filter(await valuesOf(flag, table, connection, sources), current, '');
  }
  if (current.startsWith('-')) {
    const equals = current.indexOf('=');
    if (equals !== -1) {
      const flag = table.canonical.get(current.slice(0, equals).replace(/^--?/, ''));
      if (!flag || !table.takesValue.has(flag)) return { candidates: [], directive: Directive.noFileComp };
      return filter(await valuesOf(flag, table, connection, sources), current.slice(equals + 1), current.slice(0, equals + 1));
    }
    const flags = current === '-' ? [...table.long.map((name) => `--${name}`), ...table.short.map((name) => `-${name}`)] : table.long.map((name) => `--${name}`);
    return filter({ candidates: flags, directive: Directive.noFileComp }, current, '');
  }
  if (!command) return filter({ candidates: commandName === undefined ? allCommands.map(nameOf) : [], directive: Directive.noFileComp }, current, '');
  if (commandName === 'completion') return filter({ candidates: before.length > 1 ? [] : [...SHELLS], directive: Directive.noFileComp }, current, '');
  if (commandName === 'export') {
    const namespace = valueOf(before, table, 'namespace');
    return filter({ candidates: await quietly(sources.virtualMachines({ ...connection, namespace })), directive: Directive.noFileComp }, current, '');
  }
  // `inspect <bundle>` and `validate <bundle>` take a file; the other commands no argument.
  if (commandName === 'inspect' || commandName === 'validate') return { candidates: [], directive: Directive.default };
  return { candidates: [], directive: Directive.noFileComp };
}

async function valuesOf(flag: string, table: FlagTable, connection: Connection, sources: CompletionSources): Promise<Completion> {
  if (FILE_FLAGS.has(flag)) return { candidates: [], directive: Directive.default };
  const choices = table.choices.get(flag);
  if (choices) return { candidates: [...choices], directive: Directive.noFileComp };
  if (flag === 'output') return { candidates: [...table.outputs], directive: Directive.noFileComp };
  if (flag === 'namespace' || flag === 'target-namespace') return { candidates: await quietly(sources.namespaces(connection)), directive: Directive.noFileComp };
  if (flag === 'context') return { candidates: await quietly(sources.contexts(connection)), directive: Directive.noFileComp };
  return { candidates: [], directive: Directive.noFileComp };
}

function filter(completion: Completion, current: string, prefix: string): Completion {
  return { ...completion, candidates: completion.candidates.filter((candidate) => candidate.startsWith(current)).map((candidate) => prefix + candidate) };
}

/** Nothing rather than an error or a wait: completion is a convenience. */
async function quietly(lookup: Promise<string[]>): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), CLUSTER_COMPLETION_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return (await Promise.race([lookup.catch(() => []), timeout])).sort();
  } finally {
    clearTimeout(timer);
  }
}

function nameOf(command: CommandModule): string {
  return String(command.command).split(' ')[0] ?? '';
}

/** The first word that is not a flag or a flag's value. */
function findCommand(words: readonly string[]): string | undefined {
  const global = flagTable(undefined);
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith('-')) return word;
    const flag = global.canonical.get(word.replace(/^--?/, ''));
    if (flag && global.takesValue.has(flag) && !word.includes('=')) i++;
  }
  return undefined;
}

function isAfterDoubleDash(words: readonly string[]): boolean {
  return words.includes('--');
}

function valueOf(words: readonly string[], table: FlagTable, flag: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const equals = word.indexOf('=');
    const name = table.canonical.get((equals === -1 ? word : word.slice(0, equals)).replace(/^--?/, ''));
    if (!word.startsWith('-') || name !== flag) continue;
    value = equals === -1 ? words[i + 1] : word.slice(equals + 1);
  }
  return value;
}

function connectionOf(words: readonly string[], table: FlagTable): Connection {
  return { kubeconfig: valueOf(words, table, 'kubeconfig'), context: valueOf(words, table, 'context') };
}

/** The flags of a command (or the global ones), read from the same builders the parser uses. */
function flagTable(command: CommandModule | undefined): FlagTable {
  const parser = withVerbosity(yargs([]));
  if (command && typeof command.builder === 'function') command.builder(parser as never);
  const options = (parser as unknown as { getOptions(): YargsOptionTable }).getOptions();
  const canonical = new Map<string, string>();
  const takesValue = new Set<string>();
  const long: string[] = [];
  const short: string[] = [];
  const aliasOf = new Map<string, string>();
  for (const [name, aliases] of Object.entries(options.alias)) for (const alias of aliases) aliasOf.set(alias, name);
  for (const key of Object.keys(options.key)) {
    if (key === 'version' || options.hiddenOptions.includes(key)) continue;
    const name = aliasOf.get(key) ?? key;
    canonical.set(key, name);
    if (!options.boolean.includes(name) && !options.count.includes(name)) takesValue.add(name);
    (key.length === 1 ? short : long).push(key);
    // `--no-gzip` and the like: only a switch that is on by default is worth turning off.
    if (options.boolean.includes(name) && key.length > 1 && options.default[name] === true) long.push(`no-${key}`);
  }
  return { canonical, takesValue, choices: new Map(Object.entries(options.choices)), long: long.sort(), short: short.sort(), outputs: outputFormatsOf(parser) };
}

/** The part of yargs' option table read here (yargs' typings do not declare getOptions). */
interface YargsOptionTable {
  key: Record<string, boolean>;
  alias: Record<string, string[]>;
  boolean: string[];
  count: string[];
  choices: Record<string, string[]>;
  hiddenOptions: string[];
  default: Record<string, unknown>;
}

/** The real look-ups: the kubeconfig's contexts, and namespaces and VMs from the cluster with one quick request. */
const clusterSources: CompletionSources = {
  async contexts({ kubeconfig }) {
    // Without a kubeconfig file client-node makes up a context; there is nothing to offer then.
    const files = kubeconfig ? [kubeconfig] : (process.env['KUBECONFIG'] ?? join(homedir(), '.kube', 'config')).split(delimiter).filter(Boolean);
    if (!files.some((file) => existsSync(file))) return [];
    const { loadKubeConfig } = await import('../src/io/cluster/client.ts');
    return loadKubeConfig({ kubeconfig }).getContexts().map((context) => context.name);
  },
  async namespaces(connection) {
    const [{ quickList }, { targetOf }] = await Promise.all([import('../src/io/cluster/client.ts'), import('../src/io/cluster/resource.ts')]);
    return quickList(connection, targetOf(Kinds.Namespace.group, Kinds.Namespace.kind, 'list'), CLUSTER_COMPLETION_TIMEOUT_MS);
  },
  async virtualMachines(connection) {
    const [{ quickList, connect }, { targetOf }] = await Promise.all([import('../src/io/cluster/client.ts'), import('../src/io/cluster/resource.ts')]);
    const namespace = connection.namespace ?? connect(connection).namespace;
    return quickList(connection, targetOf(Kinds.VirtualMachine.group, Kinds.VirtualMachine.kind, 'list', namespace), CLUSTER_COMPLETION_TIMEOUT_MS);
  },
};

/** The protocol's text: candidates, one per line, then `:<directive>`. */
export function formatCompletion(completion: Completion): string {
  return `${completion.candidates.map((candidate) => `${candidate}\n`).join('')}:${completion.directive}\n`;
}

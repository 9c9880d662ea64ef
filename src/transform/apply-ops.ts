// Applies rule ops copy-on-write (only the containers on changed paths are copied) and finds conflicting ops.

import { InternalError } from '../errors.ts';
import { parsePointer } from './pointer.ts';
import type { Op } from './rule.ts';

/** An op and the rule that asked for it. */
export interface AttributedOp {
  rule: string;
  op: Op;
}

/**
 * Throws when two ops write the same path, or one writes an ancestor of another's path: the rules would
 * depend on their order. Sorts the paths: everything under a path follows it directly in code-unit order.
 * @param subject names the object in the message (called only on a conflict).
 * @throws InternalError naming both rules and both paths.
 */
export function checkConflicts(ops: readonly AttributedOp[], subject: () => string): void {
  if (ops.length < 2) return;
  const sorted = [...ops].sort((a, b) => (a.op.path < b.op.path ? -1 : a.op.path > b.op.path ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    const path = sorted[i]!.op.path;
    for (let j = i + 1; j < sorted.length && sorted[j]!.op.path.startsWith(path); j++) {
      const other = sorted[j]!.op.path;
      if (other.length === path.length || other[path.length] === '/') {
        const [a, b] = [sorted[i]!, sorted[j]!];
        throw new InternalError(`rules ${a.rule} and ${b.rule} both change ${subject()}: ${a.op.path} and ${b.op.path} overlap`);
      }
    }
  }
}

type Container = Record<string, unknown> | unknown[];

const INDEX = /^(0|[1-9][0-9]*)$/;

function isContainer(value: unknown): value is Container {
  return value !== null && typeof value === 'object';
}

function read(container: Container, key: string): unknown {
  if (Array.isArray(container)) return INDEX.test(key) ? container[Number(key)] : undefined;
  return Object.hasOwn(container, key) ? container[key] : undefined;
}

function write(container: Container, key: string, value: unknown): void {
  if (Array.isArray(container)) {
    container[Number(key)] = value;
  } else if (key === '__proto__') {
    // defineProperty, so a key named __proto__ is an ordinary member, as JSON.parse makes it
    Object.defineProperty(container, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    container[key] = value;
  }
}

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/**
 * Applies `ops` in order to a copy of `root` and returns it; `root` is not changed. Untouched subtrees are
 * shared with `root` (so neither may be mutated afterwards); changed objects keep their key order, added
 * members come last in the order added.
 * @throws InternalError when an op does not fit the object (absent member for replace/remove, present for add,
 *   an array insert or removal, a primitive `old` that differs from the current value).
 */
export function applyOps<T extends object>(root: T, ops: readonly Op[]): T {
  if (ops.length === 0) return root;
  const copies = new Set<Container>();
  const own = (container: Container): Container => {
    if (copies.has(container)) return container;
    const copy = Array.isArray(container) ? [...container] : { ...container };
    copies.add(copy);
    return copy;
  };
  const result = own(root as Container);
  for (const op of ops) {
    const tokens = parsePointer(op.path);
    const fail = (why: string): never => {
      throw new InternalError(`cannot ${op.op} ${op.path}: ${why}`);
    };
    if (tokens.length === 0) fail('ops on the whole object are not allowed');
    let parent = result;
    for (const token of tokens.slice(0, -1)) {
      const child = read(parent, token);
      let next: Container;
      if (isContainer(child)) next = own(child);
      else if (child === undefined && op.op === 'add' && !Array.isArray(parent)) {
        next = {};
        copies.add(next);
      } else return fail(`${token} is not an object or array`);
      write(parent, token, next);
      parent = next;
    }
    const key = tokens.at(-1)!;
    const current = read(parent, key);
    if (Array.isArray(parent) && (op.op !== 'replace' || !INDEX.test(key))) fail('arrays only allow replacing an element');
    if (op.op === 'add') {
      if (current !== undefined) fail('the member already exists');
      write(parent, key, op.new);
      continue;
    }
    if (current === undefined) fail('the member does not exist');
    if (isPrimitive(op.old) && current !== op.old) fail(`found ${JSON.stringify(current)}, expected ${JSON.stringify(op.old)}`);
    if (op.op === 'replace') write(parent, key, op.new);
    else delete (parent as Record<string, unknown>)[key];
  }
  return result as T;
}

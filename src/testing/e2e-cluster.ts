// Test support for the export end-to-end tests: the running control plane, objects on it, the CLI as a process.

import { spawn, type ChildProcess } from 'node:child_process';
import { connect as connectPlane } from '../../scripts/e2e/cluster.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../model/kube-object.ts';
import { isClusterScoped, kindInfo } from '../model/kinds.ts';
import { groupOf } from '../model/kube-object.ts';
import { connect, type ClusterClient } from '../io/cluster/client.ts';
import { targetOf } from '../io/cluster/resource.ts';
import { CLI_ENTRY, REPO_ROOT } from './run-cli.ts';


/** The running control plane, as `scripts/control-plane.sh env` describes it. */
export interface ControlPlane {
  kubeconfig: string;
  /** The simulator's control endpoint (GET /freezes, /volumes/…). */
  controlUrl: string;
  env: Record<string, string>;
}

/** The control plane started by `scripts/control-plane.sh up`, found through the e2e harness; throws when none runs. */
export async function locateControlPlane(): Promise<ControlPlane> {
  const plane = await connectPlane();
  return { kubeconfig: plane.kubeconfig, controlUrl: plane.controlUrl, env: plane.env };
}

export function adminClient(plane: ControlPlane): ClusterClient {
  return connect({ kubeconfig: plane.kubeconfig });
}

/** Creates objects (namespaced ones in `namespace`); an object that already exists is left alone. */
export async function createObjects(client: ClusterClient, namespace: string, objects: readonly KubeObject[]): Promise<void> {
  for (const object of objects) {
    const group = groupOf(object.apiVersion);
    const info = kindInfo(group, object.kind);
    const clusterScoped = isClusterScoped(group, object.kind);
    const target = info
      ? targetOf(group, object.kind, 'create', namespace)
      : { verb: 'create' as const, group, version: object.apiVersion.split('/').pop() as string, resource: `${object.kind.toLowerCase()}s`, namespace: clusterScoped ? undefined : namespace };
    const body = clusterScoped ? object : { ...object, metadata: { ...object.metadata, namespace } };
    const response = await client.send({ target, body });
    if (response.status !== 409 && (response.status < 200 || response.status >= 300)) {
      throw new Error(`create ${object.kind} ${object.metadata.name}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    }
  }
}

export async function createNamespace(client: ClusterClient, name: string): Promise<void> {
  await createObjects(client, '', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }]);
}

/** Lists one kind in a namespace. */
export async function listNames(client: ClusterClient, group: string, kind: string, namespace: string): Promise<string[]> {
  const list = await client.call<{ items: KubeObject[] }>({ target: targetOf(group, kind, 'list', namespace) });
  return list.items.map((item) => item.metadata.name).sort();
}

/** Polls `check` until it returns a value other than undefined. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** The simulator's freeze record. */
export interface FreezeRecord {
  calls: { op: string; namespace: string; name: string; via: string; unfreezeTimeout?: string; code: number }[];
  frozen: string[];
}

export async function freezes(plane: ControlPlane): Promise<FreezeRecord> {
  const response = await fetch(`${plane.controlUrl}/freezes`);
  return (await response.json()) as FreezeRecord;
}

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }>;
}

/** Starts `kubectl-kvbackup <args>` as a process (so tests can signal it). */
export function startCli(args: readonly string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') }));
  });
  return { child, done };
}

export function runCli(args: readonly string[], env: Record<string, string> = {}) {
  return startCli(args, env).done;
}

/** `-v` prints `kvbackup: N API requests (…)`: N. */
export function requestCount(stderr: string): number {
  const match = /kvbackup: (\d+) API requests?/.exec(stderr);
  if (!match) throw new Error(`no request count in: ${stderr}`);
  return Number(match[1]);
}

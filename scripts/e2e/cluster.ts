// Test harness for the end-to-end tests: find the control plane started by
// `scripts/control-plane.sh up`, talk to its apiserver, create objects.

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { kindInfo } from '../../src/model/kinds.ts';
import { httpsRequest, type HttpResponse } from './http.ts';

/** A running control plane, as described by its env file. */
export interface ControlPlane {
  envFile: string;
  env: Record<string, string>;
  /** Admin (system:masters) kubeconfig. */
  kubeconfig: string;
  /** Kubeconfig of user "kvb-user", who has no rights until a test grants some. */
  userKubeconfig: string;
  apiUrl: string;
  caFile: string;
  /** The simulator's plain-HTTP control endpoint (see scripts/e2e/README.md). */
  controlUrl: string;
  exportUrl: string;
  uploadUrl: string;
  /** The default StorageClass; every claim of it binds. */
  storageClass: string;
  kubectl: string;
}

/** Where the env file is: $KVB_CP_ENV, else $KVB_CP_STATE/env, else control-plane.sh's default state dir. */
export function controlPlaneEnvFile(): string {
  if (process.env.KVB_CP_ENV) return process.env.KVB_CP_ENV;
  const state = process.env.KVB_CP_STATE ?? join(process.env.TMPDIR ?? tmpdir(), `kubectl-kvbackup-cp-${process.getuid?.() ?? 0}`);
  return join(state, 'env');
}

/** Parses the `export NAME='value'` lines written by control-plane.sh. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line.trim());
    if (m) env[m[1] as string] = m[2] as string;
  }
  return env;
}

/**
 * The running control plane. Throws, with what to do, when there is none or
 * it does not answer: the e2e tests must fail rather than skip.
 */
export async function connect(): Promise<ControlPlane> {
  const envFile = controlPlaneEnvFile();
  let text: string;
  try {
    text = readFileSync(envFile, 'utf8');
  } catch {
    throw new Error(`no control plane: ${envFile} does not exist. Start one with "npm run cp -- up" (scripts/control-plane.sh up).`);
  }
  const env = parseEnvFile(text);
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`${envFile} has no ${name}; restart the control plane (scripts/control-plane.sh down; up)`);
    return v;
  };
  const plane: ControlPlane = {
    envFile,
    env,
    kubeconfig: need('KUBECONFIG'),
    userKubeconfig: need('KVB_CP_USER_KUBECONFIG'),
    apiUrl: need('KVB_CP_API_URL'),
    caFile: need('KVB_CP_CA_FILE'),
    controlUrl: need('KVB_CP_SIM_CONTROL_URL'),
    exportUrl: need('KVB_CP_EXPORT_URL'),
    uploadUrl: need('KVB_CP_UPLOAD_URL'),
    storageClass: need('KVB_CP_STORAGE_CLASS'),
    kubectl: need('KVB_CP_KUBECTL'),
  };
  await assertAnswers('kube-apiserver', () => httpsRequest(`${plane.apiUrl}/readyz`, { ca: readFileSync(plane.caFile) }));
  await assertAnswers('the simulator', async () => {
    const r = await fetch(`${plane.controlUrl}/healthz`);
    return { status: r.status, headers: {}, body: Buffer.from(await r.text()) };
  });
  return plane;
}

async function assertAnswers(what: string, probe: () => Promise<HttpResponse>): Promise<void> {
  let detail: string;
  try {
    const r = await probe();
    if (r.status === 200) return;
    detail = `HTTP ${r.status}: ${r.body.toString()}`;
  } catch (error) {
    detail = String(error);
  }
  throw new Error(`the control plane is not running: ${what} does not answer (${detail}). Restart it: scripts/control-plane.sh down; scripts/control-plane.sh up`);
}

export function kubeConfig(plane: ControlPlane, who: 'admin' | 'user' = 'admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(who === 'admin' ? plane.kubeconfig : plane.userKubeconfig);
  return kc;
}

export function objectApi(kc: KubeConfig): KubernetesObjectApi {
  return KubernetesObjectApi.makeApiClient(kc);
}

let namespaceCounter = 0;

/** Creates a namespace with a unique name starting with prefix and returns the name. */
export async function createNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++namespaceCounter}-${Date.now() % 100000}`.slice(0, 63);
  await objectApi(kc).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

/** Deletes a namespace without waiting (the namespace controller finishes it). */
export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  await objectApi(kc).delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch(() => undefined);
}

/**
 * Creates objects in order; namespaced ones without a namespace go to `namespace`. With `keepExisting`, an object
 * that already exists (a cluster-scoped one another test created) is left as it is.
 */
export async function createObjects(kc: KubeConfig, namespace: string, objects: readonly KubernetesObject[], options: { keepExisting?: boolean } = {}): Promise<KubernetesObject[]> {
  const api = objectApi(kc);
  const created: KubernetesObject[] = [];
  for (const o of objects) {
    const copy = structuredClone(o);
    if (!copy.metadata?.namespace && (await isNamespaced(kc, copy))) copy.metadata = { ...copy.metadata, namespace };
    try {
      created.push(await api.create(copy));
    } catch (error) {
      if (!options.keepExisting || (error as { code?: number }).code !== 409) throw error;
    }
  }
  return created;
}

/** The names of the objects of a registered kind (`Kinds.X`) in a namespace, sorted. */
export async function listNames(kc: KubeConfig, kind: { group: string; kind: string }, namespace: string): Promise<string[]> {
  const info = kindInfo(kind.group, kind.kind);
  if (!info) throw new Error(`${kind.kind}.${kind.group} is not in the kind registry`);
  const list = await objectApi(kc).list(kind.group === '' ? info.version : `${kind.group}/${info.version}`, kind.kind, namespace);
  return list.items.map((item) => item.metadata?.name as string).sort();
}

const scopeCache = new Map<string, boolean>();

/** Whether a kind is namespaced, from API discovery. */
export async function isNamespaced(kc: KubeConfig, o: KubernetesObject): Promise<boolean> {
  const key = `${o.apiVersion}/${o.kind}`;
  const cached = scopeCache.get(key);
  if (cached !== undefined) return cached;
  const path = o.apiVersion?.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const r = await apiRequest(kc, 'GET', path);
  if (r.status !== 200) throw new Error(`discovery of ${path}: HTTP ${r.status}`);
  const list = JSON.parse(r.body.toString()) as { resources: { kind: string; name: string; namespaced: boolean }[] };
  const resource = list.resources.find((res) => res.kind === o.kind && !res.name.includes('/'));
  if (!resource) throw new Error(`${key} is not served by the apiserver`);
  scopeCache.set(key, resource.namespaced);
  return resource.namespaced;
}

/** Reads an object back by apiVersion, kind, namespace and name. */
export async function readObject<T extends KubernetesObject = KubernetesObject>(kc: KubeConfig, o: KubernetesObject): Promise<T> {
  return objectApi(kc).read<T>({
    apiVersion: o.apiVersion as string,
    kind: o.kind as string,
    metadata: { name: o.metadata?.name as string, namespace: o.metadata?.namespace as string },
  });
}

/** Polls check until it returns a value other than undefined, or fails after timeoutMs. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A request to the apiserver with kc's credentials, for paths the typed
 * clients do not cover, e.g. the aggregated subresources.kubevirt.io API.
 */
export async function apiRequest(kc: KubeConfig, method: string, path: string, body?: unknown): Promise<HttpResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const opts: { headers: Record<string, string>; ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string } = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = { ...opts.headers, Accept: 'application/json' };
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  return httpsRequest(cluster.server + path, {
    method,
    headers,
    body: payload,
    ca: opts.ca,
    tls: { cert: opts.cert, key: opts.key },
  });
}

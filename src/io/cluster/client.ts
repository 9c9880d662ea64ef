// The connection to the apiserver: kubeconfig (file, context, in-cluster), counted requests, retries of transient faults.

import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterError, UsageError } from '../../errors.ts';
import { errorCode, readBody, send } from './http.ts';
import { checkRequestUrl, failureError, describeTarget, pathOf, type ResourceTarget } from './resource.ts';
import { DEFAULT_RETRY_POLICY, isTransient, retryDelay, type Failure, type RetryPolicy } from './retry.ts';

export interface ConnectOptions {
  /** `--kubeconfig`; otherwise $KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeconfig?: string | undefined;
  /** `--context`; otherwise the kubeconfig's current context. */
  context?: string | undefined;
  retryPolicy?: RetryPolicy;
  /** Called before each retry, for `-v`. */
  onRetry?: (message: string) => void;
}

/** One API call. */
export interface ApiCall {
  target: ResourceTarget;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to JSON; merge patches set `application/merge-patch+json`. */
  contentType?: string;
  /** Aborts the call and its retries (SIGINT). Cleanup calls pass none so they always run. */
  signal?: AbortSignal | undefined;
}

/** A response that was not a transient failure. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

// The agent and auth headers are computed by client-node (exec plugins, token files, client certificates); reuse
// them briefly so every request does not pay a TLS handshake, but pick up rotated tokens.
const CREDENTIALS_TTL_MS = 30_000;
const REQUEST_IDLE_TIMEOUT_MS = 60_000;

/** A counted, retrying JSON client for one cluster. */
export class ClusterClient {
  readonly server: string;
  /** The context's namespace, or `default`. */
  readonly namespace: string;
  readonly #config: KubeConfig;
  readonly #policy: RetryPolicy;
  readonly #onRetry: ((message: string) => void) | undefined;
  #requests = 0;
  #retries = 0;
  #credentials: { at: number; agent: http.Agent | undefined; headers: Record<string, string> } | undefined;

  constructor(config: KubeConfig, options: ConnectOptions = {}) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new UsageError('no cluster in the kubeconfig: pass --kubeconfig or --context');
    this.server = cluster.server.replace(/\/+$/, '');
    this.namespace = config.getContextObject(config.getCurrentContext())?.namespace || 'default';
    this.#config = config;
    this.#policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.#onRetry = options.onRetry;
  }

  /** HTTP requests sent to the apiserver so far, retries included. */
  get requestCount(): number {
    return this.#requests;
  }

  /** How many of those were retries. */
  get retryCount(): number {
    return this.#retries;
  }

  /** The call's JSON body; any non-2xx outcome is a ClusterError naming the target and, for 403, the permission. */
  async call<T = unknown>(call: ApiCall): Promise<T> {
    const response = await this.send(call);
    if (response.status >= 200 && response.status < 300) return response.body as T;
    throw failureError(call.target, response.status, statusMessage(response.body));
  }

  /** As `call`, but a 404 gives undefined. */
  async callOptional<T = unknown>(call: ApiCall): Promise<T | undefined> {
    const response = await this.send(call);
    if (response.status === 404) return undefined;
    if (response.status >= 200 && response.status < 300) return response.body as T;
    throw failureError(call.target, response.status, statusMessage(response.body));
  }

  /** GET of a non-resource path (`/version`); undefined on 404 or 403, since such facts are optional. */
  async getPath<T = unknown>(path: string): Promise<T | undefined> {
    const response = await this.exchange('GET', path, {}, undefined, undefined, `GET ${path}`);
    return response.status >= 200 && response.status < 300 ? (response.body as T) : undefined;
  }

  /** Sends the call, retrying transient faults; returns the first non-transient response (2xx or not). */
  async send(call: ApiCall): Promise<ApiResponse> {
    const method = { get: 'GET', list: 'GET', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE' }[call.target.verb];
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined) query.set(key, String(value));
    const path = pathOf(call.target) + (query.size > 0 ? `?${query}` : '');
    checkRequestUrl(call.target, new URL(this.server + path));
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['content-type'] = call.contentType ?? 'application/json';
    }
    return this.exchange(method, path, headers, body, call.signal, describeTarget(call.target));
  }

  async exchange(method: string, path: string, extraHeaders: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined, what: string): Promise<ApiResponse> {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const { agent, headers } = await this.#credentialsNow();
      let failure: Failure;
      let lastMessage: string;
      this.#requests++;
      try {
        const response = await send({
          url: new URL(this.server + path),
          method,
          headers: { accept: 'application/json', ...headers, ...extraHeaders },
          body,
          agent,
          signal,
          idleTimeoutMs: REQUEST_IDLE_TIMEOUT_MS,
        });
        const raw = await readBody(response);
        const parsed = parseJson(raw);
        const status = response.statusCode ?? 0;
        if (status < 500 && status !== 429) return { status, body: parsed };
        failure = { type: 'status', status, retryAfter: headerValue(response.headers['retry-after']) };
        lastMessage = `HTTP ${status}${statusMessage(parsed) ? `: ${statusMessage(parsed)}` : ''}`;
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        failure = { type: 'network', code: errorCode(error) };
        lastMessage = error instanceof Error ? error.message : String(error);
      }
      const delay = retryDelay(failure, attempt, this.#policy);
      if (delay === undefined) {
        // A permanent 5xx (501) or a network error with an unknown cause: reported as it is, not retried.
        if (!isTransient(failure)) throw new ClusterError(`cannot ${what}: ${lastMessage}`);
        throw new ClusterError(`cannot ${what}: ${lastMessage} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`);
      }
      this.#retries++;
      this.#onRetry?.(`retrying ${what} in ${delay} ms after ${lastMessage} (attempt ${attempt} of ${this.#policy.maxAttempts})`);
      await sleep(delay, undefined, signal ? { signal } : undefined);
    }
  }

  async #credentialsNow(): Promise<{ agent: http.Agent | undefined; headers: Record<string, string> }> {
    const cached = this.#credentials;
    if (cached && Date.now() - cached.at < CREDENTIALS_TTL_MS) return cached;
    const options: { headers?: Record<string, string | string[] | number>; agent?: unknown; auth?: string } = {};
    try {
      await this.#config.applyToHTTPSOptions(options as never);
    } catch (error) {
      throw new ClusterError(`cannot load the kubeconfig credentials: ${error instanceof Error ? error.message : String(error)}`);
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.headers ?? {})) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    if (options.auth) headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    const fresh = { at: Date.now(), agent: options.agent as http.Agent | undefined, headers };
    this.#credentials = fresh;
    return fresh;
  }
}

/**
 * Loads the kubeconfig as kubectl does: `--kubeconfig`, else $KUBECONFIG, else ~/.kube/config, else the Pod's
 * service account (in-cluster); `--context` picks the context.
 */
export function connect(options: ConnectOptions = {}): ClusterClient {
  const config = new KubeConfig();
  try {
    if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new UsageError(`cannot read the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) throw new UsageError(`context "${options.context}" is not in the kubeconfig`);
    config.setCurrentContext(options.context);
  }
  return new ClusterClient(config, options);
}

/** The `message` of a Kubernetes Status body. */
export function statusMessage(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') return body.message;
  if (typeof body === 'string' && body.trim() !== '') return body.trim().slice(0, 300);
  return undefined;
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

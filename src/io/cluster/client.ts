// The connection to the apiserver: kubeconfig (file, context, in-cluster), counted requests, retries of transient faults.

import type http from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterError, UsageError, type ApiStatus } from '../../errors.ts';
import { fsErrorCode, pathError } from '../files/path-error.ts';
import { errorCode, readBody, send } from './http.ts';
import { checkRequestUrl, failureError, describeTarget, pathOf, statusMessage, statusReason, type ResourceTarget } from './resource.ts';
import { DEFAULT_RETRY_POLICY, isAmbiguous, isTransient, mayRetry, pause, retryDelay, type Failure, type RetryMode, type RetryPolicy } from './retry.ts';
import { logAt, logEnabled, REQUEST_LOG_LEVEL } from '../term/log.ts';

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
    throw failureError(call.target, response.status, response.body);
  }

  /** As `call`, but a 404 gives undefined. */
  async callOptional<T = unknown>(call: ApiCall): Promise<T | undefined> {
    const response = await this.send(call);
    if (response.status === 404) return undefined;
    if (response.status >= 200 && response.status < 300) return response.body as T;
    throw failureError(call.target, response.status, response.body);
  }

  /** GET of a non-resource path (`/version`); undefined on 404 or 403, since such facts are optional. */
  async getPath<T = unknown>(path: string): Promise<T | undefined> {
    const response = await this.exchange('GET', path, {}, undefined, undefined, `GET ${path}`);
    return response.status >= 200 && response.status < 300 ? (response.body as T) : undefined;
  }

  /**
   * Sends the call, retrying transient faults as far as the verb allows (retry.ts); returns the first non-transient
   * response (2xx or not). A create whose earlier attempt failed ambiguously and that now meets a 409 reads the
   * object back: when it carries the labels sent, it is this run's own and counts as created.
   */
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
    const createdName = call.target.verb === 'create' && !call.target.subresource ? nameOf(call.body) : undefined;
    const mode: RetryMode = method === 'GET' || method === 'PUT' || method === 'DELETE' ? 'idempotent' : createdName !== undefined ? 'create' : 'once-only';
    const outcome = await this.#exchange(method, path, headers, body, call.signal, describeTarget(call.target), mode);
    if (outcome.status === 409 && outcome.afterAmbiguousFailure && createdName !== undefined) {
      const existing = await this.callOptional<{ metadata?: { labels?: Record<string, string> } }>({ target: { ...call.target, verb: 'get', name: createdName }, signal: call.signal });
      if (existing && carriesLabels(existing, call.body)) {
        this.#onRetry?.(`${describeTarget(call.target)}: the earlier attempt had created it; read it back`);
        return { status: 201, body: existing };
      }
    }
    return { status: outcome.status, body: outcome.body };
  }

  /** One request with retries of every transient fault (for GETs of non-resource paths and the like). */
  async exchange(method: string, path: string, extraHeaders: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined, what: string): Promise<ApiResponse> {
    const mode: RetryMode = method === 'GET' || method === 'PUT' || method === 'DELETE' ? 'idempotent' : 'once-only';
    const { status, body: parsed } = await this.#exchange(method, path, extraHeaders, body, signal, what, mode);
    return { status, body: parsed };
  }

  async #exchange(
    method: string,
    path: string,
    extraHeaders: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
    what: string,
    mode: RetryMode,
  ): Promise<ApiResponse & { afterAmbiguousFailure: boolean }> {
    let afterAmbiguousFailure = false;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const { agent, headers } = await this.#credentialsNow();
      let failure: Failure;
      let lastMessage: string;
      let answered: ApiStatus | undefined;
      this.#requests++;
      const url = new URL(this.server + path);
      const started = logEnabled(REQUEST_LOG_LEVEL) ? performance.now() : 0;
      try {
        const response = await send({
          url,
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
        // As kubectl -v=6 logs each round trip.
        if (started) logAt(REQUEST_LOG_LEVEL, `${method} ${url} ${status} ${response.statusMessage ?? ''} in ${Math.round(performance.now() - started)} milliseconds`);
        if (status < 500 && status !== 429) return { status, body: parsed, afterAmbiguousFailure };
        failure = { type: 'status', status, retryAfter: headerValue(response.headers['retry-after']) };
        lastMessage = `HTTP ${status}${statusMessage(parsed) ? `: ${statusMessage(parsed)}` : ''}`;
        answered = { status, reason: statusReason(parsed) };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        failure = { type: 'network', code: errorCode(error) };
        lastMessage = error instanceof Error ? error.message : String(error);
        if (started) logAt(REQUEST_LOG_LEVEL, `${method} ${url} failed in ${Math.round(performance.now() - started)} milliseconds: ${lastMessage}`);
      }
      const delay = mayRetry(failure, mode) ? retryDelay(failure, attempt, this.#policy) : undefined;
      if (delay === undefined) {
        // A permanent 5xx (501), a network error with an unknown cause, or an ambiguous failure of a request that
        // must not be sent twice: reported as it is.
        if (!isTransient(failure) || attempt === 1) throw new ClusterError(`cannot ${what}: ${lastMessage}${isTransient(failure) && !mayRetry(failure, mode) ? ' (not retried: it may have been carried out)' : ''}`, [], answered);
        throw new ClusterError(`cannot ${what}: ${lastMessage} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`, [], answered);
      }
      afterAmbiguousFailure ||= isAmbiguous(failure);
      this.#retries++;
      this.#onRetry?.(`retrying ${what} in ${delay} ms after ${lastMessage} (attempt ${attempt} of ${this.#policy.maxAttempts})`);
      await pause(delay, signal);
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
  return new ClusterClient(loadKubeConfig(options), options);
}

/** The names a list returns, with one attempt that gives up after `timeoutMs` (shell completion). */
export async function quickList(options: ConnectOptions, target: ResourceTarget, timeoutMs: number): Promise<string[]> {
  const client = connect({ ...options, retryPolicy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 } });
  const list = await client.call<{ items?: { metadata?: { name?: string } }[] }>({ target, signal: AbortSignal.timeout(timeoutMs) });
  return (list.items ?? []).flatMap((item) => (item.metadata?.name ? [item.metadata.name] : []));
}

/** The kubeconfig `connect` uses, with `--context` applied. */
export function loadKubeConfig(options: Pick<ConnectOptions, 'kubeconfig' | 'context'>): KubeConfig {
  const config = new KubeConfig();
  try {
    if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    // A kubeconfig file that cannot be read is a path error like any other; one that does not parse is a usage error.
    if (fsErrorCode(error)) throw pathError((error as { path?: string }).path ?? options.kubeconfig ?? 'kubeconfig', error);
    throw new UsageError(`cannot read the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) throw new UsageError(`context "${options.context}" is not in the kubeconfig`);
    config.setCurrentContext(options.context);
  }
  return config;
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

function nameOf(body: unknown): string | undefined {
  const name = (body as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** True when `existing` has every label `sent` had: the run labels mark the objects a run creates. */
function carriesLabels(existing: { metadata?: { labels?: Record<string, string> } }, sent: unknown): boolean {
  const wanted = (sent as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels ?? {};
  const have = existing.metadata?.labels ?? {};
  return Object.entries(wanted).every(([key, value]) => have[key] === value);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

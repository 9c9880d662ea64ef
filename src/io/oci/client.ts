// A small OCI distribution-spec client over node:https: blobs (HEAD, monolithic upload, GET), manifests, and auth.

// Why not a library: the npm clients found (docker-registry-client, @snyk/docker-registry-v2-client) only pull, or
// are no longer maintained, and none takes a custom CA, uploads blobs or pushes OCI 1.1 artifacts. This client covers
// exactly what a bundle needs: the endpoints of the spec's "Pull" and "Push" categories, Basic and Bearer auth
// (the token flow of the distribution token spec), docker/podman auth files and redirects to blob storage.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { InputError, RegistryError } from '../../errors.ts';
import { errorCode, readBody, send } from '../cluster/http.ts';
import { escapeControls } from '../term/escape.ts';
import { logAt, REQUEST_LOG_LEVEL } from '../term/log.ts';
import { credentialsFromHelper, findStoredAuth, authFileCandidates, type BasicCredentials, type StoredAuth } from './auth-files.ts';
import { parseChallenge, type Challenge } from './challenge.ts';
import type { OciReference } from './reference.ts';

/** How to reach and authenticate to registries: the `--registry-*` flags. */
export interface RegistryOptions {
  /** PEM file of CA certificates to trust in addition to the system's. */
  caFile?: string | undefined;
  /** Skip verifying the registry's TLS certificate (explicit opt-out; never the default). */
  insecureSkipTlsVerify?: boolean | undefined;
  /** A bearer token sent as it is (`--registry-token`, or `KVBACKUP_REGISTRY_TOKEN`): no auth file is read. */
  token?: string | undefined;
  /** An auth file to read instead of the default ones (`--registry-auth-file`, as `REGISTRY_AUTH_FILE`). */
  authFile?: string | undefined;
}

/** What the client did: requests and bytes each way (tests and the bench count them). */
export interface TransferCounters {
  requests: number;
  uploadedBytes: number;
  downloadedBytes: number;
  blobsUploaded: number;
  blobsSkipped: number;
}

/** Largest manifest read (the distribution-spec's guaranteed size). */
const MAX_MANIFEST_READ = 4 * 1024 * 1024;
/** Largest error or token response read. */
const MAX_SMALL_BODY = 1024 * 1024;
const MAX_REDIRECTS = 5;
/** Milliseconds without socket activity before a request fails. */
const IDLE_TIMEOUT_MS = 120_000;

interface Exchange {
  method: string;
  /** Path under the registry (`/v2/...`) or an absolute URL (upload locations, redirects). */
  url: string;
  headers?: Record<string, string>;
  body?: readonly Uint8Array[];
  /** Statuses that are answers rather than failures. */
  ok: readonly number[];
}

/** A client for one repository; `access` decides the token scope asked for. */
export class RegistryClient {
  readonly reference: OciReference;
  readonly counters: TransferCounters = { requests: 0, uploadedBytes: 0, downloadedBytes: 0, blobsUploaded: 0, blobsSkipped: 0 };
  readonly #options: RegistryOptions;
  readonly #access: 'pull' | 'push';
  readonly #agent: https.Agent;
  readonly #base: string;
  #authorization: string | undefined;
  #stored: Promise<StoredAuth | undefined> | undefined;
  #tokenFor: Promise<string> | undefined;

  constructor(reference: OciReference, options: RegistryOptions, access: 'pull' | 'push') {
    this.reference = reference;
    this.#options = options;
    this.#access = access;
    this.#base = `https://${reference.registry}`;
    const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: 16 };
    if (options.caFile) {
      let pem: string;
      try {
        pem = readFileSync(options.caFile, 'utf8');
      } catch (error) {
        throw new InputError(`${options.caFile}: cannot read the registry CA file (${errorCode(error) ?? 'error'})`);
      }
      agentOptions.ca = [...rootCertificates, pem];
    }
    if (options.insecureSkipTlsVerify) agentOptions.rejectUnauthorized = false;
    this.#agent = new https.Agent(agentOptions);
    if (options.token) this.#authorization = `Bearer ${options.token}`;
  }

  /** Releases the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  get #repo(): string {
    return `/v2/${this.reference.repository}`;
  }

  /** True when the repository holds the blob (HEAD). */
  async hasBlob(digest: string): Promise<boolean> {
    const response = await this.#exchange({ method: 'HEAD', url: `${this.#repo}/blobs/${digest}`, ok: [200, 404] });
    response.resume();
    return response.statusCode === 200;
  }

  /**
   * Uploads one blob whose bytes are `parts` (in memory, checked by the caller): POST for an upload session, then
   * one PUT with the digest (the spec's monolithic upload "POST then PUT"). The registry verifies the digest too.
   */
  async uploadBlob(digest: string, parts: readonly Uint8Array[]): Promise<void> {
    const size = parts.reduce((sum, part) => sum + part.byteLength, 0);
    const start = await this.#exchange({ method: 'POST', url: `${this.#repo}/blobs/uploads/`, headers: { 'content-length': '0' }, ok: [202] });
    start.resume();
    const location = start.headers.location;
    if (!location) throw new RegistryError(`registry ${this.reference.registry}: no Location for the blob upload of ${this.reference.repository}`);
    const url = new URL(location, this.#base);
    url.searchParams.set('digest', digest);
    const done = await this.#exchange({
      method: 'PUT',
      url: url.toString(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: parts,
      ok: [201],
    });
    done.resume();
    this.counters.uploadedBytes += size;
    this.counters.blobsUploaded += 1;
  }

  /** The blob's bytes as a stream (following redirects to blob storage); the caller verifies the digest. */
  async getBlob(digest: string): Promise<http.IncomingMessage> {
    return this.#exchange({ method: 'GET', url: `${this.#repo}/blobs/${digest}`, ok: [200] });
  }

  /** The whole blob, at most `maxBytes`, checked against `digest` before it is returned. */
  async readBlob(digest: string, maxBytes: number): Promise<Buffer> {
    const response = await this.getBlob(digest);
    const bytes = await this.#readLimited(response, maxBytes, `blob ${digest}`);
    this.counters.downloadedBytes += bytes.byteLength;
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== digest) throw new InputError(`${this.#where()}: blob ${digest}: the registry sent bytes with digest ${actual} (tampered or corrupt)`);
    return bytes;
  }

  /** Reads a manifest or index; the digest is checked when `reference` is one. */
  async getManifest(reference: string, accept: readonly string[]): Promise<{ bytes: Buffer; mediaType: string; digest: string }> {
    const response = await this.#exchange({ method: 'GET', url: `${this.#repo}/manifests/${reference}`, headers: { accept: accept.join(', ') }, ok: [200, 404] });
    if (response.statusCode === 404) {
      response.resume();
      throw new RegistryError(`${this.#where()}: manifest ${escapeControls(reference)} not found`);
    }
    const bytes = await this.#readLimited(response, MAX_MANIFEST_READ, `manifest ${reference}`);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference) throw new InputError(`${this.#where()}: manifest ${reference}: the registry sent bytes with digest ${digest} (tampered or corrupt)`);
    return { bytes, mediaType: String(response.headers['content-type'] ?? '').split(';')[0] ?? '', digest };
  }

  /** Pushes a manifest or index under `reference` (a tag or its digest); returns its digest. */
  async putManifest(reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    const response = await this.#exchange({
      method: 'PUT',
      url: `${this.#repo}/manifests/${reference}`,
      headers: { 'content-type': mediaType, 'content-length': String(bytes.byteLength) },
      body: [bytes],
      ok: [201],
    });
    response.resume();
    this.counters.uploadedBytes += bytes.byteLength;
    return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  }

  #where(): string {
    return `oci://${this.reference.registry}/${this.reference.repository}`;
  }

  async #readLimited(response: http.IncomingMessage, maxBytes: number, what: string): Promise<Buffer> {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.destroy();
      throw new InputError(`${this.#where()}: ${what} is ${declared} bytes, over the ${maxBytes}-byte limit`);
    }
    try {
      return await readBody(response, maxBytes);
    } catch (error) {
      throw new InputError(`${this.#where()}: ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Sends one request, answering an auth challenge once (Basic with stored credentials, or a Bearer token from the
   * realm) and following redirects (without the Authorization header when they leave the registry's host).
   */
  async #exchange(exchange: Exchange): Promise<http.IncomingMessage> {
    let url = new URL(exchange.url, this.#base);
    let challenged = false;
    for (let redirects = 0; ; ) {
      const sameHost = url.host === this.reference.registry;
      const headers: Record<string, string> = { 'user-agent': 'kubectl-kvbackup', ...exchange.headers };
      if (sameHost && this.#authorization) headers['authorization'] = this.#authorization;
      const response = await this.#send(exchange.method, url, headers, exchange.body);
      const status = response.statusCode ?? 0;
      if (status === 401 && sameHost && !challenged && !this.#options.token) {
        challenged = true;
        const challenge = parseChallenge(String(response.headers['www-authenticate'] ?? ''));
        response.resume();
        // A token that was sent and refused has expired: ask for a new one.
        if (headers['authorization'] !== undefined) this.#tokenFor = undefined;
        await this.#authenticate(challenge);
        continue;
      }
      if ([301, 302, 303, 307, 308].includes(status) && response.headers.location && redirects < MAX_REDIRECTS) {
        response.resume();
        redirects += 1;
        url = new URL(response.headers.location, url);
        continue;
      }
      if (exchange.ok.includes(status)) return response;
      throw await this.#failure(exchange.method, url, response);
    }
  }

  async #send(method: string, url: URL, headers: Record<string, string>, body: readonly Uint8Array[] | undefined): Promise<http.IncomingMessage> {
    const started = Date.now();
    this.counters.requests += 1;
    let response: http.IncomingMessage;
    try {
      if (body === undefined) {
        response = await send({ url, method, headers, agent: this.#agent, idleTimeoutMs: IDLE_TIMEOUT_MS });
      } else {
        response = await sendBody(url, method, headers, body, this.#agent);
      }
    } catch (error) {
      throw this.#networkError(error);
    }
    // The query of an upload location carries the registry's session state: it is left out.
    logAt(REQUEST_LOG_LEVEL, `${method} ${url.origin}${url.pathname} ${response.statusCode} in ${Date.now() - started} ms`);
    return response;
  }

  #networkError(error: unknown): RegistryError {
    const code = errorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    const tls = /certificate|self[- ]signed|unable to verify/i.test(message) || (code ?? '').startsWith('ERR_TLS') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN';
    const hint = tls ? ' (trust its CA with --registry-ca-file)' : '';
    return new RegistryError(`registry ${this.reference.registry}: ${escapeControls(message)}${hint}`);
  }

  async #failure(method: string, url: URL, response: http.IncomingMessage): Promise<Error> {
    const status = response.statusCode ?? 0;
    let detail = '';
    try {
      const body = await readBody(response, MAX_SMALL_BODY);
      const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
      const first = parsed.errors?.[0];
      if (first) detail = `: ${String(first.code ?? '')} ${String(first.message ?? '')}`.trimEnd();
    } catch {
      response.destroy();
    }
    const what = `${method} ${url.pathname}`;
    const text = `${this.#where()}: ${what}: ${status} ${response.statusMessage ?? ''}${detail}`.replace(/\s+/g, ' ').trim();
    const hint = status === 401 ? ' (log in with podman/docker login, or pass --registry-token)' : '';
    return new RegistryError(escapeControls(text) + hint);
  }

  /** Answers a 401: Basic with the stored credentials, or a Bearer token for this repository's scope. */
  async #authenticate(challenge: Challenge): Promise<void> {
    if (challenge.scheme === 'basic') {
      const credentials = await this.#credentials();
      if (!credentials) throw new RegistryError(`${this.#where()}: the registry asks for a login and none is stored for ${this.reference.registry} (${this.#authFilesText()})`);
      this.#authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      return;
    }
    if (challenge.scheme === 'bearer') {
      this.#tokenFor ??= this.#fetchToken(challenge);
      const token = await this.#tokenFor.catch((error: unknown) => {
        this.#tokenFor = undefined;
        throw error;
      });
      this.#authorization = `Bearer ${token}`;
      return;
    }
    throw new RegistryError(`${this.#where()}: the registry asks for ${escapeControls(challenge.scheme || 'an unknown')} authentication, which is not supported`);
  }

  #authFilesText(): string {
    return `looked in ${(this.#options.authFile ? [this.#options.authFile] : authFileCandidates()).join(', ')}`;
  }

  #storedAuth(): Promise<StoredAuth | undefined> {
    this.#stored ??= findStoredAuth(this.reference.registry, this.reference.repository, this.#options.authFile ? [this.#options.authFile] : authFileCandidates());
    return this.#stored;
  }

  async #credentials(): Promise<BasicCredentials | undefined> {
    const stored = await this.#storedAuth();
    if (!stored) return undefined;
    if (stored.type === 'basic') return stored.credentials;
    if (stored.type === 'helper') return credentialsFromHelper(stored.helper, this.reference.registry);
    return undefined;
  }

  /** The distribution token flow: GET the realm (with Basic credentials when stored), or POST an identity token. */
  async #fetchToken(challenge: Challenge): Promise<string> {
    const realm = challenge.params['realm'];
    if (!realm) throw new RegistryError(`${this.#where()}: Bearer challenge without a realm`);
    const url = new URL(realm);
    if (url.protocol !== 'https:') throw new RegistryError(`${this.#where()}: token realm ${escapeControls(realm)} is not https`);
    const scope = `repository:${this.reference.repository}:${this.#access === 'push' ? 'pull,push' : 'pull'}`;
    const service = challenge.params['service'];
    const stored = await this.#storedAuth();
    let response: http.IncomingMessage;
    if (stored?.type === 'identity-token') {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stored.token, client_id: 'kubectl-kvbackup', scope });
      if (service) form.set('service', service);
      response = await this.#send('POST', url, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(form.toString())) }, [Buffer.from(form.toString())]);
    } else {
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      const credentials = await this.#credentials();
      if (credentials) headers['authorization'] = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      response = await this.#send('GET', url, headers, undefined);
    }
    if (response.statusCode !== 200) {
      response.resume();
      throw new RegistryError(`${this.#where()}: the token service ${url.host} refused (${response.statusCode})${response.statusCode === 401 ? ': wrong or missing login' : ''}`);
    }
    let parsed: { token?: unknown; access_token?: unknown };
    try {
      parsed = JSON.parse((await readBody(response, MAX_SMALL_BODY)).toString('utf8')) as typeof parsed;
    } catch {
      throw new RegistryError(`${this.#where()}: the token service ${url.host} did not answer with JSON`);
    }
    const token = typeof parsed.token === 'string' ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || token === '') throw new RegistryError(`${this.#where()}: the token service ${url.host} sent no token`);
    return token;
  }
}

/** Sends a request whose body is in memory (replayable after a 401). */
function sendBody(url: URL, method: string, headers: Record<string, string>, body: readonly Uint8Array[], agent: https.Agent): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const outgoing = https.request(url, { method, headers, agent }, resolve);
    outgoing.on('error', reject);
    outgoing.setTimeout(IDLE_TIMEOUT_MS, () => outgoing.destroy(Object.assign(new Error(`no response from ${url.host} within ${IDLE_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })));
    for (const part of body) outgoing.write(part);
    outgoing.end();
  });
}

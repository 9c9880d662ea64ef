// Registry credentials where users already keep them: docker's config.json and podman's auth.json (and their helpers).

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../errors.ts';

/** A user name and password (or a registry token standing in for one). */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** What an auth file says for a registry: credentials, an OAuth2 refresh token, or a credential helper to ask. */
export type StoredAuth =
  | { type: 'basic'; credentials: BasicCredentials; file: string }
  | { type: 'identity-token'; username: string; token: string; file: string }
  | { type: 'helper'; helper: string; file: string };

/**
 * The auth files to read, first match wins, in the order podman/skopeo read them (containers-auth.json(5)):
 * `$REGISTRY_AUTH_FILE` alone when set, else `$XDG_RUNTIME_DIR/containers/auth.json`,
 * `~/.config/containers/auth.json`, then docker's `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`).
 */
export function authFileCandidates(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string[] {
  if (env['REGISTRY_AUTH_FILE']) return [env['REGISTRY_AUTH_FILE']];
  const files: string[] = [];
  if (env['XDG_RUNTIME_DIR']) files.push(join(env['XDG_RUNTIME_DIR'], 'containers', 'auth.json'));
  files.push(join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'containers', 'auth.json'));
  files.push(join(env['DOCKER_CONFIG'] || join(home, '.docker'), 'config.json'));
  return files;
}

/**
 * The keys an auth file may store `registry/repository` under, most specific first: podman allows
 * `host/namespace/repo` and `host/namespace`; docker stores `host` or `https://host[/v1/]`.
 */
export function authKeys(registry: string, repository: string): string[] {
  const keys: string[] = [];
  const parts = repository.split('/');
  for (let n = parts.length; n > 0; n -= 1) keys.push(`${registry}/${parts.slice(0, n).join('/')}`);
  keys.push(registry);
  return keys;
}

/** Strips the scheme and a trailing `/`, `/v1/` or `/v2/` docker adds to keys (`https://index.docker.io/v1/`). */
function normalizeKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/(v1|v2)\/?$/, '').replace(/\/$/, '');
}

/**
 * What one parsed auth file says for `registry/repository`, or undefined when it says nothing. Entries come before
 * docker's per-registry `credHelpers`, which come before the global `credsStore`, as docker reads them.
 * @throws InputError for a malformed `auth` value (naming the file and key, never the value).
 */
export function authFromFile(document: unknown, file: string, registry: string, repository: string): StoredAuth | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const doc = document as { auths?: Record<string, unknown>; credHelpers?: Record<string, unknown>; credsStore?: unknown };
  const auths = new Map<string, unknown>();
  for (const [key, value] of Object.entries(doc.auths ?? {})) {
    const normalized = normalizeKey(key);
    if (!auths.has(normalized)) auths.set(normalized, value);
  }
  for (const key of authKeys(registry, repository)) {
    const entry = auths.get(key) as { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown } | undefined;
    if (!entry || typeof entry !== 'object') continue;
    let username = typeof entry.username === 'string' ? entry.username : '';
    let password = typeof entry.password === 'string' ? entry.password : '';
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) throw new InputError(`${file}: the auth of ${key} is not base64 of user:password`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') return { type: 'identity-token', username, token: entry.identitytoken, file };
    if (username !== '' || password !== '') return { type: 'basic', credentials: { username, password }, file };
  }
  const helper = doc.credHelpers?.[registry];
  if (typeof helper === 'string' && helper !== '') return { type: 'helper', helper, file };
  if (typeof doc.credsStore === 'string' && doc.credsStore !== '') return { type: 'helper', helper: doc.credsStore, file };
  return undefined;
}

/** Reads the auth files in order and returns what the first that knows the registry says. */
export async function findStoredAuth(registry: string, repository: string, files: readonly string[] = authFileCandidates()): Promise<StoredAuth | undefined> {
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw new InputError(`${file}: cannot read the registry auth file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw new InputError(`${file}: the registry auth file is not JSON`);
    }
    const auth = authFromFile(document, file, registry, repository);
    if (auth) return auth;
  }
  return undefined;
}

/** Asks a docker credential helper (`docker-credential-<name> get`) for the registry's credentials. */
export async function credentialsFromHelper(helper: string, registry: string): Promise<BasicCredentials | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) throw new InputError(`credential helper ${JSON.stringify(helper)}: invalid name`);
  const program = `docker-credential-${helper}`;
  const output = await new Promise<string>((resolve, reject) => {
    const child = execFile(program, ['get'], { timeout: 30_000, maxBuffer: 1024 * 1024 }, (error, stdout) => {
      // A helper that knows nothing of the registry exits non-zero with "credentials not found".
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') reject(new InputError(`credential helper ${program} is not on PATH`));
      else resolve(error ? '' : stdout);
    });
    child.stdin?.end(registry);
  });
  if (output.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(output) as { Username?: unknown; Secret?: unknown };
    if (typeof parsed.Secret !== 'string') return undefined;
    return { username: typeof parsed.Username === 'string' ? parsed.Username : '', password: parsed.Secret };
  } catch {
    throw new InputError(`credential helper ${program}: output is not JSON`);
  }
}

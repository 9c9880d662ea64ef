// Test harness for the end-to-end tests: find the registry started by `scripts/registry.sh up`.

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnvFile } from './cluster.ts';

/** A running registry, as its env file describes it. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  caFile: string;
  user: string;
  password: string;
  /** A docker/podman auth file holding the login. */
  authFile: string;
  /** The registry's storage root (blobs under docker/registry/v2/blobs/sha256/). */
  storage: string;
  /** The `--registry-*` flags that reach it with the auth file. */
  flags: string[];
}

/** Where the env file is: $KVB_REGISTRY_ENV, else $KVB_REGISTRY_STATE/env, else registry.sh's default state dir. */
export function registryEnvFile(): string {
  if (process.env.KVB_REGISTRY_ENV) return process.env.KVB_REGISTRY_ENV;
  const state = process.env.KVB_REGISTRY_STATE ?? join(process.env.TMPDIR ?? tmpdir(), `kubectl-kvbackup-registry-${process.getuid?.() ?? 0}`);
  return join(state, 'env');
}

/** The running registry; throws with what to do when there is none (the e2e tests fail rather than skip). */
export function testRegistry(): TestRegistry {
  const file = registryEnvFile();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no registry: ${file} does not exist. Start one with "bash scripts/registry.sh up".`);
  }
  const env = parseEnvFile(text);
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${file}: ${name} is missing`);
    return value;
  };
  const caFile = need('KVB_REGISTRY_CA_FILE');
  const authFile = need('KVB_REGISTRY_AUTH_FILE');
  return {
    host: need('KVB_REGISTRY'),
    caFile,
    user: need('KVB_REGISTRY_USER'),
    password: need('KVB_REGISTRY_PASSWORD'),
    authFile,
    storage: need('KVB_REGISTRY_STORAGE'),
    flags: ['--registry-ca-file', caFile, '--registry-auth-file', authFile],
  };
}

/** The file holding the blob `sha256:<hex>` in the registry's filesystem storage. */
export function blobDataPath(registry: TestRegistry, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return join(registry.storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

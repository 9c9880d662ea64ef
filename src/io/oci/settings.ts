// The process's registry settings (`--registry-*` flags), set once by the command line like the log settings.

import type { RegistryOptions } from './client.ts';

/** Environment variable that may hold the registry bearer token (kept out of process lists and shell history). */
export const REGISTRY_TOKEN_ENV = 'KVBACKUP_REGISTRY_TOKEN';

let settings: RegistryOptions = {};

/** Set by the command line before a command runs; the token falls back to $KVBACKUP_REGISTRY_TOKEN. */
export function setRegistrySettings(next: RegistryOptions, env: NodeJS.ProcessEnv = process.env): void {
  const token = next.token ?? env[REGISTRY_TOKEN_ENV];
  settings = { ...next, token: token === '' ? undefined : token };
}

/** How `oci://` locations are reached in this process. */
export function registrySettings(): Readonly<RegistryOptions> {
  return settings;
}

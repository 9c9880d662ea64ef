// The `--registry-*` flags of every command that reads or writes a bundle at `oci://HOST/REPOSITORY:TAG`.

import type { Argv } from 'yargs';
import type { RegistryOptions } from '../src/io/oci/client.ts';

/** Adds the registry flags (one declaration for every command that takes `oci://`). */
export function withRegistryFlags<T>(yargs: Argv<T>) {
  return yargs
    .option('registry-ca-file', { type: 'string', requiresArg: true, description: 'oci://: a PEM file of CA certificates to trust besides the system ones' })
    .option('registry-insecure-skip-tls-verify', { type: 'boolean', default: false, description: "oci://: do not verify the registry's TLS certificate (insecure)" })
    .option('registry-token', { type: 'string', requiresArg: true, description: 'oci://: a bearer token for the registry (or $KVBACKUP_REGISTRY_TOKEN); default: the login in the docker/podman auth files' })
    .option('registry-auth-file', { type: 'string', requiresArg: true, description: "oci://: the auth file to read logins from (default: $REGISTRY_AUTH_FILE, podman's auth.json, docker's config.json)" });
}

/** The registry settings the flags give; undefined when the command has none of them. */
export function registryOptionsOf(argv: Record<string, unknown>): RegistryOptions | undefined {
  if (!('registry-insecure-skip-tls-verify' in argv)) return undefined;
  const text = (key: string) => (typeof argv[key] === 'string' ? (argv[key] as string) : undefined);
  return {
    caFile: text('registry-ca-file'),
    insecureSkipTlsVerify: argv['registry-insecure-skip-tls-verify'] === true,
    token: text('registry-token'),
    authFile: text('registry-auth-file'),
  };
}

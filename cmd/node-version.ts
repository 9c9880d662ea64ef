// The oldest Node.js kubectl-kvbackup runs on (package.json's engines says the same; a test keeps them equal).

/** Node.js 22.19: node:zlib's zstd, `fs.createWriteStream({ flush })` and the module hooks the tool relies on. */
export const MINIMUM_NODE_VERSION = '22.19.0';

/** True when `version` (`process.versions.node`) is older than the minimum. */
export function unsupportedNode(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  const [minMajor = 0, minMinor = 0, minPatch = 0] = MINIMUM_NODE_VERSION.split('.').map(Number);
  return major !== minMajor ? major < minMajor : minor !== minMinor ? minor < minMinor : patch < minPatch;
}

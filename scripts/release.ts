// `npm run release`: single-file executables (Node.js single executable applications) per platform, their archives
// with sha256 sums, and the krew plugin manifest generated from them.
// Run: npm run release -- [--platforms linux-amd64,linux-arm64] [--base-url <download URL of the archives>]

import { parseArgs } from 'node:util';
import { buildRelease, DEFAULT_PLATFORMS, isPlatform } from './release/build.ts';

const { values } = parseArgs({
  options: {
    platforms: { type: 'string' },
    'base-url': { type: 'string' },
    'out-dir': { type: 'string' },
  },
});
const platforms = values.platforms?.split(',') ?? [...DEFAULT_PLATFORMS];
for (const platform of platforms) if (!isPlatform(platform)) throw new Error(`unknown platform ${platform} (${DEFAULT_PLATFORMS.join(', ')})`);
await buildRelease({ platforms: platforms.filter(isPlatform), baseUrl: values['base-url'], outDir: values['out-dir'] });

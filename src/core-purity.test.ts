// The pure core (model, graph, transform, bundle, restore planning) touches no files, network, process or terminal.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('./', import.meta.url));
const CORE_FOLDERS = ['model', 'graph', 'transform', 'bundle', 'restore'];
const FORBIDDEN_MODULES = [
  /^node:(fs|fs\/promises|net|http|https|http2|child_process|stream|stream\/promises|zlib|tls|dgram|readline|worker_threads)$/,
  /^(fs|net|http|https|child_process|stream)$/,
  /^@kubernetes\/client-node/,
  /^tar-stream$/,
  /\/io\//,
  /\/app\//,
];
const FORBIDDEN_GLOBALS = /\b(process|console)\s*\./;
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Production files of the core: tests and test harnesses may read fixtures. */
function coreFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !/\.test\.ts$|-tester\.ts$|-fixtures\.ts$/.test(entry.name)) files.push(path);
    }
  };
  for (const folder of CORE_FOLDERS) {
    try {
      walk(join(SRC, folder));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return files.sort();
}

describe('the pure core', () => {
  const files = coreFiles();

  it('has files to check', () => assert.ok(files.length > 20, `${files.length} files`));

  for (const file of files) {
    it(`${relative(SRC, file)} imports no I/O and touches no process or console`, () => {
      const text = readFileSync(file, 'utf8');
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const match of code.matchAll(IMPORT)) {
        const specifier = match[1] ?? match[2] ?? match[3] ?? '';
        for (const pattern of FORBIDDEN_MODULES) assert.doesNotMatch(specifier, pattern, `imports ${specifier}`);
      }
      assert.doesNotMatch(code.replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '""'), FORBIDDEN_GLOBALS);
    });
  }
});

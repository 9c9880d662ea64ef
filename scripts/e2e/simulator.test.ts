// The simulator switches: each declaration is documented in README.md's table and read by the Go simulator.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { simAnnotations, SimSwitches, type SimSwitchName } from './simulator.ts';

const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
const simulatorDir = new URL('../control-plane/sim/', import.meta.url);
const goSource = readdirSync(simulatorDir)
  .filter((file) => file.endsWith('.go'))
  .map((file) => readFileSync(new URL(file, simulatorDir), 'utf8'))
  .join('\n');

describe('simulator switches', () => {
  it('are the rows of the README table, in declaration order, with their annotations and lines', () => {
    const table = /<!-- sim-switches -->\n([\s\S]*?)<!-- \/sim-switches -->/.exec(readme)?.[1];
    assert.ok(table, 'README.md lacks the sim-switches markers');
    const rows = table
      .trim()
      .split('\n')
      .slice(2)
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
    const declared = (Object.keys(SimSwitches) as SimSwitchName[]).map((name) => [`\`${name}\``, `\`${SimSwitches[name].annotation}\``, SimSwitches[name].doc]);
    assert.deepEqual(rows, declared);
  });

  it('name annotations the Go simulator reads', () => {
    for (const { annotation } of Object.values(SimSwitches)) assert.ok(goSource.includes(`"${annotation}"`), annotation);
  });

  it('are written from typed values', () => {
    assert.deepEqual(simAnnotations({ fail: ['snapshot', 'export'], diskSize: 65536, write: [{ offset: 0, length: 4096 }, { offset: 8192, length: 1 }] }), {
      'sim.kvbackup.test/fail': 'snapshot,export',
      'sim.kvbackup.test/disk-size': '65536',
      'sim.kvbackup.test/write': '0:4096,8192:1',
    });
    assert.deepEqual(simAnnotations({ stall: [] }), { 'sim.kvbackup.test/stall': '' }, 'an empty list clears the switch');
  });

  it('are never spelled as string literals outside their declarations', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const declarations = new Set(['scripts/e2e/simulator.ts', 'scripts/e2e/simulator.test.ts']);
    const spelled: string[] = [];
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && !declarations.has(relative(root, path)) && readFileSync(path, 'utf8').includes('sim.kvbackup.test/')) spelled.push(relative(root, path));
      }
    };
    for (const folder of ['cmd', 'src', 'scripts']) walk(join(root, folder));
    assert.deepEqual(spelled, []);
  });
});

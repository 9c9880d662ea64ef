// Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self and by inclusive time.
// Run: node scripts/bench/profile-summary.ts PROFILE.cpuprofile [--top 25]

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  selfMs: number;
  totalMs: number;
}

/** Self and inclusive milliseconds per function (recursion counted once per sample). */
export function summarize(profile: Profile): { totalMs: number; lines: ProfileLine[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.startsWith('file://') ? relative(process.cwd(), new URL(url).pathname) : url || '(native)';
    return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    totalUs += us;
    const leaf = byId.get(id);
    if (!leaf) return;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + us);
    const seen = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parent.get(node.id) ?? -1)) {
      const name = label(node);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + us);
    }
  });
  const lines = [...total.keys()].map((name) => ({ name, selfMs: (self.get(name) ?? 0) / 1000, totalMs: (total.get(name) ?? 0) / 1000 }));
  return { totalMs: totalUs / 1000, lines };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  const file = positionals[0];
  if (!file) throw new Error('usage: profile-summary.ts PROFILE.cpuprofile [--top N]');
  const top = Number(values.top);
  const { totalMs, lines } = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const show = (title: string, key: 'selfMs' | 'totalMs') => {
    process.stdout.write(`${title} (of ${totalMs.toFixed(0)} ms sampled)\n`);
    for (const line of [...lines].sort((a, b) => b[key] - a[key]).slice(0, top)) {
      process.stdout.write(`${line[key].toFixed(0).padStart(8)} ms ${((100 * line[key]) / totalMs).toFixed(1).padStart(5)}%  ${line.name}\n`);
    }
  };
  show('self time', 'selfMs');
  show('inclusive time', 'totalMs');
}

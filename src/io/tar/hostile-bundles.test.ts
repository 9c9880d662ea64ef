// Hostile bundles under 1 MB: every one is refused with exit 1 and one line, within 5 s and 512 MiB of peak RSS.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { craftedEntries, packCrafted, type CraftedEntry } from '../../testing/hostile-bundle.ts';
import { runCli } from '../../testing/run-cli.ts';
import { makeTempDir } from '../../testing/temp-dir.ts';

const MiB = 1024 * 1024;
const dir = makeTempDir('kvb-hostile-');

/**
 * Prints the peak RSS (KiB) as the last stderr line when the CLI exits: VmHWM of this process image (getrusage's
 * maxRSS would include the parent's peak, which survives fork and exec on Linux).
 */
const REPORT_RSS = `data:text/javascript,${encodeURIComponent(
  "import { readFileSync } from 'node:fs'; process.on('exit', () => process.stderr.write(`maxrss ${/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]}\\n`));",
)}`;

const base = craftedEntries([]);
const objectEntry = (name: string, body: Buffer): CraftedEntry => ({ name: `objects/core/ConfigMap/ns1/${name}.json`, body });

/** Raw tar blocks: a header block with the given type and size, and its body. */
function rawHeader(name: string, type: string, body: Buffer): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write('        ', 148);
  block.write(type, 156);
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([block, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/** A ConfigMap whose data holds `extra` verbatim, so a test controls its size and shape. */
const configMapBody = (name: string, extra: string) => Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","namespace":"ns1"},"data":{"a":${extra}}}`);

const HOSTILE: { name: string; make: () => Promise<Buffer>; message: RegExp; accepted?: boolean }[] = [
  {
    name: 'incompressible padding that raises the budget, then values up to just under it',
    make: async () => {
      const noise = Buffer.from(randomBytes(600_000).map((byte) => 97 + (byte % 26))).toString('latin1');
      // About 370 KB of input: a budget of 500,000 + 5 × 370,000 values, of which this spends 2,250,000.
      const values = 2_250_000;
      const entries = [
        ...base,
        objectEntry('a-padding', configMapBody('a-padding', JSON.stringify(noise))),
        ...Array.from({ length: 4 }, (_, i) => objectEntry(`b${i}`, configMapBody(`b${i}`, `[${'{},'.repeat(Math.floor(values / 4) - 10)}{}]`))),
      ];
      return gzipSync(await packCrafted(entries), { level: 9 });
    },
    message: /./,
    accepted: true,
  },
  {
    name: 'eight 60 MiB entries of [{},{},…] (gzip bomb)',
    make: async () => {
      const body = Buffer.from(`[${'{},'.repeat(20 * MiB)}{}]`);
      return gzipSync(await packCrafted([...base, ...Array.from({ length: 8 }, (_, i) => objectEntry(`cm${i}`, body))], { trailer: false }), { level: 9 });
    },
    // Which bound stops it first depends on how much of the (small) file has been read when the entry inflates:
    // bundle files are read 1 MiB at a time, so the byte budget may already count all of it; the value budget then
    // stops the same entry.
    message: /over a resource bound: (its JSON inflates to over|more than \d+ JSON values)/,
  },
  {
    name: 'values just inside the byte budget but over the value budget',
    make: async () => {
      const body = Buffer.from(`[${'0,'.repeat(8 * MiB)}0]`);
      return gzipSync(await packCrafted([...base, objectEntry('cm0', body)], { trailer: false }), { level: 9 });
    },
    message: /over a resource bound: more than \d+ JSON values/,
  },
  {
    name: 'JSON nested 100,000 levels deep',
    make: async () => {
      const body = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
      return gzipSync(await packCrafted([...base, objectEntry('cm0', body)], { trailer: false }));
    },
    message: /JSON nested deeper than 128 levels/,
  },
  {
    name: 'a flood of chained PAX headers',
    make: async () => {
      const record = (key: string, value: string) => {
        const text = ` ${key}=${value}\n`;
        let length = text.length + 1;
        while (`${length}${text}`.length !== length) length++;
        return `${length}${text}`;
      };
      const pax = rawHeader('PaxHeader', 'x', Buffer.from(record('comment', 'x'.repeat(400))));
      return gzipSync(Buffer.concat([...Array.from({ length: 2000 }, () => pax), Buffer.alloc(1024)]));
    },
    message: /more than 2 extension headers before one file/,
  },
  {
    name: 'a global PAX header with many records',
    make: async () => gzipSync(Buffer.concat([rawHeader('Global', 'g', Buffer.from('11 a=bcdef\n'.repeat(70_000))), Buffer.alloc(1024)])),
    message: /global PAX header/,
  },
];

describe('hostile bundles under 1 MB', () => {
  for (const hostile of HOSTILE) {
    it(`${hostile.name}: exit 1, one line, ≤ 5 s, ≤ 512 MiB`, async () => {
      const bytes = await hostile.make();
      assert.ok(bytes.length < 1024 * 1024, `${bytes.length} bytes`);
      const file = join(dir, 'hostile.kvb');
      writeFileSync(file, bytes);
      for (const command of [['validate', file], ['graph', '-f', file]]) {
        const started = performance.now();
        const result = await runCli(command, { env: { NODE_OPTIONS: `--import=${REPORT_RSS}` } });
        const seconds = (performance.now() - started) / 1000;
        const lines = result.stderr.trim().split('\n');
        const maxRssKiB = Number(/maxrss (\d+)/.exec(lines.pop() ?? '')?.[1]);
        const stdout = result.stdout.toString().trim();
        const output = `${stdout}\n${lines.join('\n')}`;
        if (!hostile.accepted) {
          assert.equal(result.code, 1, `${command[0]}: ${output}`);
          assert.match(output, hostile.message, command[0]);
          // validate lists the problem on stdout and says it failed on stderr; every other command has one stderr line.
          assert.ok(stdout.split('\n').length <= 1 && lines.length === 1, `${command[0]} prints one line per stream: ${output}`);
        } else assert.ok(result.code === 0 || result.code === 1, `${command[0]}: exit ${result.code}: ${output.slice(0, 500)}`);
        assert.ok(seconds <= 5, `${command[0]} took ${seconds.toFixed(1)} s`);
        assert.ok(maxRssKiB > 0 && maxRssKiB <= 512 * 1024, `${command[0]} peaked at ${Math.round(maxRssKiB / 1024)} MiB`);
      }
    });
  }
});

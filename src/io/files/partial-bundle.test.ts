import assert from 'node:assert/strict';
import { readFileSync, statSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { makeTempDir } from '../../testing/temp-dir.ts';
import { openJournal, readJournal, type JournalHeader } from './export-journal.ts';
import { openPartialBundle, readAt, resumePaths, scanPartialBundle } from './partial-bundle.ts';

/** A tar as the bundle writer makes one: short and long (pax) names, data not a multiple of 512. */
async function tarBytes(entries: [string, Buffer][]): Promise<Buffer> {
  const pack = tar.pack();
  const parts: Buffer[] = [];
  const collected = (async () => {
    for await (const part of pack as unknown as AsyncIterable<Buffer>) parts.push(part);
  })();
  for (const [name, data] of entries) await new Promise<void>((resolve, reject) => pack.entry({ name, size: data.length, mtime: new Date(0) }, data, (e) => (e ? reject(e) : resolve())));
  pack.finalize();
  await collected;
  return Buffer.concat(parts);
}

const longName = `objects/core/Secret/${'n'.repeat(120)}/${'s'.repeat(200)}.json.zst`;
const entries: [string, Buffer][] = [
  ['kvbackup.json', Buffer.from('{"format":"kubectl-kvbackup"}\n')],
  [longName, Buffer.alloc(700, 7)],
  [`volumes/ns/${'v'.repeat(110)}/index.json.zst`, Buffer.alloc(33, 3)],
  [`chunks/sha256/${'a'.repeat(64)}`, Buffer.alloc(5000, 1)],
  [`chunks/sha256/${'b'.repeat(64)}`, Buffer.alloc(4096, 2)],
];

describe('scanPartialBundle', () => {
  it('finds every complete entry and stops before a torn one', async () => {
    const dir = makeTempDir('kvb-partial-');
    const file = join(dir, 'b.partial');
    const whole = await tarBytes(entries);
    writeFileSync(file, whole);
    const all = await scanPartialBundle(file);
    assert.deepEqual(all.map((e) => [e.path, e.size]), entries.map(([name, data]) => [name, data.length]));
    const handle = await open(file, 'r');
    assert.deepEqual(await readAt(handle, (all[3] as { dataOffset: number }).dataOffset, 5000), Buffer.alloc(5000, 1));
    await handle.close();
    // Cut inside the last entry's data: only the first three remain.
    truncateSync(file, (all[4] as { dataOffset: number }).dataOffset + 100);
    assert.deepEqual((await scanPartialBundle(file)).map((e) => e.path), entries.slice(0, 4).map(([name]) => name));
  });

  it('appends after a verified prefix, and refuses a prefix that differs', async () => {
    const dir = makeTempDir('kvb-partial-');
    const file = join(dir, 'b.partial');
    const whole = await tarBytes(entries);
    const cut = (await (async () => {
      writeFileSync(file, whole);
      return scanPartialBundle(file);
    })())[3]!.end;
    writeFileSync(file, Buffer.concat([whole.subarray(0, cut), Buffer.alloc(300, 9)])); // a torn tail
    const out = await openPartialBundle(file, cut);
    await pipeline(async function* () {
      yield whole.subarray(0, 1000);
      yield whole.subarray(1000);
    }, out.stream);
    await out.commit(join(dir, 'b.kvb'));
    assert.deepEqual(readFileSync(join(dir, 'b.kvb')), whole);
    assert.equal(statSync(join(dir, 'b.kvb')).mode & 0o777, 0o600);

    writeFileSync(file, whole.subarray(0, cut));
    const bad = await openPartialBundle(file, cut);
    const changed = Buffer.from(whole);
    changed[10] = (changed[10] as number) ^ 1;
    await assert.rejects(pipeline(async function* () {
      yield changed;
    }, bad.stream), /differ from the file at byte 0/);
    await bad.remove();
    assert.equal(existsSync(file), false);
  });
});

describe('export journal', () => {
  it('reads back the header, the metadata mark and the chunks, ignoring a torn last line', async () => {
    const dir = makeTempDir('kvb-journal-');
    const { journal: path } = resumePaths(join(dir, 'out.kvb'));
    const header: JournalHeader = {
      kind: 'kubectl-kvbackup/export-journal',
      version: 1,
      runId: 'r1',
      startedAt: '2026-01-01T00:00:00Z',
      selection: { namespace: 'ns', allNamespaces: false, names: ['vm1'], selector: undefined },
      includeToken: false,
      exports: [{ namespace: 'ns', vmName: 'vm1', exportName: 'e', secretName: 'e-token', token: 't' }],
    };
    let synced = 0;
    const journal = await openJournal(path, header, { beforeFlush: async () => void synced++ });
    journal.metadataComplete();
    journal.chunk({ v: 'ns/disk', o: 0, l: 1024, d: 'a'.repeat(64), c: 'zstd', s: 10 });
    journal.chunk({ v: 'ns/disk', o: 1024, l: 1024 });
    await journal.flush();
    await journal.close();
    assert.equal(synced, 1, 'the bundle is synced before the lines describing it');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"v":"ns/disk","o":20`);
    const state = await readJournal(path);
    assert.equal(state?.header.runId, 'r1');
    assert.equal(state?.metadataComplete, true);
    assert.deepEqual(state?.chunks.map((c) => [c.o, c.d ?? 'zero']), [[0, 'a'.repeat(64)], [1024, 'zero']]);
    assert.equal(await readJournal(join(dir, 'none')), undefined);
  });
});

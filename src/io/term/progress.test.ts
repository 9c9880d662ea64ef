import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { setLogSettings } from './log.ts';
import { formatDuration, formatLine, formatSize, progressStyle, startTask } from './progress.ts';

function sink(isTTY: boolean): Writable & { isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return Object.assign(stream, { isTTY, columns: 120, cursorTo() {}, clearLine() {}, moveCursor() {}, text: () => chunks.join('') });
}

describe('progress', () => {
  after(() => setLogSettings({ verbosity: 0, progress: 'auto' }));

  it('draws on a terminal, prints plain lines with -v or --progress=always elsewhere, else nothing', () => {
    assert.equal(progressStyle(sink(true), 'auto', 0), 'bars');
    assert.equal(progressStyle(sink(false), 'auto', 0), 'none');
    assert.equal(progressStyle(sink(false), 'auto', 1), 'lines');
    assert.equal(progressStyle(sink(false), 'always', 0), 'lines');
    assert.equal(progressStyle(sink(true), 'never', 6), 'none');
  });

  it('shows bytes, percentage, rate and ETA when the total is known, bytes and rate when it is not', () => {
    const params = { value: 3 * 1024 * 1024, total: 10 * 1024 * 1024, progress: 0.3, eta: 7, startTime: Date.now() - 1000, stopTime: null, maxWidth: 100 };
    const known = formatLine({ barsize: 10 }, params as never, { label: 'ns/disk', unit: 'bytes', known: true });
    assert.match(known, /^ns\/disk 30% 3\.0 MiB \/ 10\.0 MiB, 3\.0 MiB\/s, ETA 7s$/);
    const unknown = formatLine({}, { ...params, total: 0 } as never, { label: 'ns/disk', unit: 'bytes', known: false });
    assert.match(unknown, /^ns\/disk 3\.0 MiB, 3\.0 MiB\/s$/);
    assert.doesNotMatch(unknown, /%|ETA| \/ 0 B/);
    const counted = formatLine({}, { ...params, value: 40, total: 100, progress: 0.4 } as never, { label: 'objects', unit: 'items', known: true });
    assert.match(counted, /^objects 40% 40 \/ 100, 40\/s, ETA 7s$/);
  });

  it('formats sizes and durations', () => {
    assert.equal(formatSize(512), '512 B');
    assert.equal(formatSize(1.5 * 1024 ** 3), '1.5 GiB');
    assert.equal(formatDuration(200), '3m20s');
    assert.equal(formatDuration(3900), '1h05m');
    assert.equal(formatDuration(Number.NaN), '?');
  });

  it('passes chunks through unchanged and writes nothing when not shown', async () => {
    setLogSettings({ verbosity: 0, progress: 'auto' });
    const stream = sink(false);
    const task = startTask('x', { unit: 'bytes', total: 6 }, stream);
    const out: Buffer[] = [];
    for await (const chunk of task.track((async function* () { yield Buffer.from('abc'); yield Buffer.from('def'); })())) out.push(chunk);
    task.done();
    assert.equal(Buffer.concat(out).toString(), 'abcdef');
    assert.equal(stream.text(), '');
  });

  it('prints the final figures of every task with --progress=always on a pipe', () => {
    setLogSettings({ verbosity: 0, progress: 'always' });
    const stream = sink(false);
    const a = startTask('first', { unit: 'bytes', total: 2048 }, stream);
    const b = startTask('second', { unit: 'items' }, stream);
    a.add(2048);
    b.add(3);
    a.done();
    b.done();
    assert.match(stream.text(), /^first 100% 2\.0 KiB \/ 2\.0 KiB, .*, done$/m);
    assert.match(stream.text(), /^second 3, /m);
  });
});

describe('progress on an escaping stream', () => {
  it('draws with cursor codes on the stream underneath, and escapes the label itself', async () => {
    const { escapingTextWrites } = await import('./escape.ts');
    setLogSettings({ verbosity: 0, progress: 'auto' });
    const chunks: string[] = [];
    const tty = Object.assign(new Writable({ write(chunk, _encoding, callback) { chunks.push(String(chunk)); callback(); } }), { isTTY: true, columns: 120, cursorTo() {}, clearLine() {}, moveCursor() {} });
    const task = startTask('ns/evil\u001b[2Jname', { unit: 'bytes', total: 10 }, escapingTextWrites(tty));
    task.add(10);
    task.done();
    setLogSettings({ verbosity: 0, progress: 'auto' });
    const text = chunks.join('');
    assert.match(text, /\u001b\[/, 'cursor codes reach the terminal');
    assert.match(text, /ns\/evil\\u001b\[2Jname/, 'the label is escaped');
    assert.doesNotMatch(text, /\u001b\[2J/);
  });
});

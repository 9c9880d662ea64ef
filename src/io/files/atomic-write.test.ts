// Temporary name, mode 0600, rename on commit, nothing left behind on abort or failure.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openAtomicFile } from './atomic-write.ts';
import { makeTempDir } from '../../testing/temp-dir.ts';

function tempDir(): string {
  return makeTempDir('kvbackup-atomic-');
}

describe('openAtomicFile', () => {
  it('publishes the file only on commit, with mode 0600', async () => {
    const dir = tempDir();
    const path = join(dir, 'backup.tar');
    const file = await openAtomicFile(path);
    file.stream.write('hello ');
    assert.deepEqual(readdirSync(dir), [file.tempPath.slice(dir.length + 1)], 'only the temporary file exists while writing');
    assert.match(file.tempPath, /\/\.backup\.tar\.kvbackup-[0-9a-f]{8}-\d+-[0-9a-f]{12}\.tmp$/);
    file.stream.write('world');
    await file.commit();
    assert.deepEqual(readdirSync(dir), ['backup.tar']);
    assert.equal(readFileSync(path, 'utf8'), 'hello world');
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('works as a pipeline destination, replacing an existing file', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.json');
    writeFileSync(path, 'old', { mode: 0o644 });
    const file = await openAtomicFile(path);
    await pipeline(Readable.from([Buffer.from('new')]), file.stream);
    await file.commit();
    assert.equal(readFileSync(path, 'utf8'), 'new');
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('leaves nothing behind on abort, and keeps an existing file untouched', async () => {
    const dir = tempDir();
    const path = join(dir, 'backup.tar');
    const file = await openAtomicFile(path);
    file.stream.write('partial');
    await file.abort();
    await file.abort();
    assert.deepEqual(readdirSync(dir), []);
    await assert.rejects(file.commit(), /aborted/);
    writeFileSync(path, 'keep');
    const second = await openAtomicFile(path);
    second.stream.write('partial');
    await second.abort();
    assert.deepEqual(readdirSync(dir), ['backup.tar']);
    assert.equal(readFileSync(path, 'utf8'), 'keep');
  });

  it('removes the temporary file when the stream fails, and commit then rejects', async () => {
    const dir = tempDir();
    const file = await openAtomicFile(join(dir, 'backup.tar'));
    const failed = pipeline(
      Readable.from((async function* () {
        yield Buffer.from('partial');
        throw new Error('source failed');
      })()),
      file.stream,
    );
    await assert.rejects(failed, /source failed/);
    await assert.rejects(file.commit());
    await file.abort();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('fails when the directory does not exist', async () => {
    await assert.rejects(openAtomicFile(join(tempDir(), 'missing', 'x.tar')), /ENOENT/);
  });
});

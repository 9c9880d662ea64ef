// A reproducible .tar.gz of a release: fixed order, owners, times and gzip header, so the same files give the same sha256.

import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

/** The archive entries' modification time: SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else 0. */
function entryTime(): Date {
  const epoch = Number(process.env['SOURCE_DATE_EPOCH'] ?? 0);
  return new Date((Number.isFinite(epoch) ? epoch : 0) * 1000);
}

export async function createReleaseArchive(directory: string, files: readonly string[], archive: string): Promise<void> {
  const pack = tar.pack();
  const mtime = entryTime();
  const written = pipeline(pack, createGzip({ level: 6 }), createWriteStream(archive));
  for (const name of files) {
    const path = join(directory, name);
    const info = statSync(path);
    const mode = info.mode & 0o111 ? 0o755 : 0o644;
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name, size: info.size, mode, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root' }, (error) => (error ? reject(error) : resolve()));
      createReadStream(path).on('error', reject).pipe(entry);
    });
  }
  pack.finalize();
  await written;
}

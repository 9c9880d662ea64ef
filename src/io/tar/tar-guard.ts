// Watches the raw tar stream before tar-stream parses it: counts input bytes and bounds PAX and GNU extension headers.

import { Transform, type TransformCallback } from 'node:stream';
import type { BundleBounds } from '../../bundle/bounds.ts';
import { problemError } from '../../bundle/problems.ts';
import { MAX_PATH_LENGTH } from '../../bundle/layout.ts';

const BLOCK = 512;

/**
 * Bounds of the extension headers: each may hold one path (GNU `L`) or a few records (PAX `x`), and precedes one
 * file. A bundle holds no global PAX headers and no GNU long link names (it has no links).
 */
export const EXTENSION_LIMITS = Object.freeze({
  /** Largest body of one PAX or GNU long-name header: a path of MAX_PATH_LENGTH plus record overhead. */
  maxHeaderBytes: MAX_PATH_LENGTH + 512,
  /** Extension headers in a row before a file header. */
  maxChained: 2,
});

/** Counts the input bytes into `bounds` (before gunzip). */
export function countInput(bounds: BundleBounds): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bounds.addInput(chunk.byteLength);
      callback(null, chunk);
    },
  });
}

/**
 * Passes the tar bytes through unchanged while walking its headers, so that hostile extension headers are refused
 * in linear time before tar-stream buffers and merges them: `g` (global PAX) and `K` (GNU long link) headers, bodies
 * over EXTENSION_LIMITS.maxHeaderBytes, and more than maxChained extension headers before a file.
 */
export function guardTarHeaders(source?: string): Transform {
  let pending = Buffer.alloc(0);
  // Bytes of entry bodies (and padding) still to pass before the next header.
  let skip = 0;
  // The body of a PAX header is kept to read its `size` record, which overrides the next header's size.
  let paxBody: Buffer | undefined;
  let paxWanted = 0;
  let paxSize: number | undefined;
  let chained = 0;
  let ended = false;

  const refuse = (message: string) => problemError({ code: 'over-bound', message: `tar extension headers: ${message}` }, source);

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        let data = chunk;
        while (data.length > 0 && !ended) {
          if (paxBody !== undefined && paxWanted > 0) {
            const take = Math.min(paxWanted, data.length);
            paxBody = Buffer.concat([paxBody, data.subarray(0, take)]);
            paxWanted -= take;
            skip -= take;
            data = data.subarray(take);
            if (paxWanted === 0) paxSize = paxSizeOf(paxBody);
            continue;
          }
          if (skip > 0) {
            const take = Math.min(skip, data.length);
            skip -= take;
            data = data.subarray(take);
            continue;
          }
          const need = BLOCK - pending.length;
          pending = Buffer.concat([pending, data.subarray(0, need)]);
          data = data.subarray(need);
          if (pending.length < BLOCK) break;
          const header = pending;
          pending = Buffer.alloc(0);
          if (header.every((byte) => byte === 0)) continue;
          const type = String.fromCharCode(header[156] ?? 0x30);
          const declared = sizeOf(header);
          if (type === 'g') throw refuse('a global PAX header (bundles never hold one)');
          if (type === 'K') throw refuse('a GNU long link name (bundles hold no links)');
          if (type === 'x' || type === 'L') {
            if (declared > EXTENSION_LIMITS.maxHeaderBytes) throw refuse(`a ${type === 'x' ? 'PAX' : 'GNU long name'} header of ${declared} bytes (at most ${EXTENSION_LIMITS.maxHeaderBytes})`);
            chained += 1;
            if (chained > EXTENSION_LIMITS.maxChained) throw refuse(`more than ${EXTENSION_LIMITS.maxChained} extension headers before one file`);
            skip = padded(declared);
            if (type === 'x') {
              paxBody = Buffer.alloc(0);
              paxWanted = declared;
            }
            continue;
          }
          const size = paxSize ?? declared;
          chained = 0;
          paxBody = undefined;
          paxSize = undefined;
          skip = padded(size);
        }
        callback(null, chunk);
      } catch (error) {
        ended = true;
        callback(error as Error);
      }
    },
  });
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** The size field: octal, or GNU base-256 when its first byte has the high bit set. */
function sizeOf(header: Buffer): number {
  const field = header.subarray(124, 136);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/g, '').trim();
  return text === '' ? 0 : parseInt(text, 8) || 0;
}

/** The `size` record of a PAX body (`<len> size=<n>\n`), when it has one. */
function paxSizeOf(body: Buffer): number | undefined {
  const match = /(?:^|\n)\d+ size=(\d+)\n/.exec(body.toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

// A file system failure as the user sees it: one line naming the path and what is wrong, exit code 1.

import { InputError } from '../../errors.ts';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'file name too long',
  EROFS: 'read-only file system',
  EEXIST: 'file exists',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EBUSY: 'device or resource busy',
  EXDEV: 'cannot rename across file systems',
};

/** The errno code of a Node.js file system error, if it is one. */
export function fsErrorCode(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' && error.code.startsWith('E') ? error.code : undefined;
}

/** Turns a file system error about `path` into an InputError; anything else is passed through unchanged. */
export function pathError(path: string, error: unknown): unknown {
  const code = fsErrorCode(error);
  if (!code || !(code in REASONS || 'syscall' in (error as object))) return error;
  return new InputError(`${path}: ${REASONS[code] ?? (error as Error).message}`);
}

/** Runs `operation`, reporting a file system failure as a one-line error naming `path`. */
export async function withPath<T>(path: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw pathError(path, error);
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../errors.ts';
import { pathError } from './path-error.ts';

const errno = (code: string) => Object.assign(new Error(`${code}: something, open 'x'`), { code, syscall: 'open' });

describe('pathError', () => {
  const cases: [string, string][] = [
    ['ENOENT', 'no such file or directory'],
    ['EISDIR', 'is a directory'],
    ['EACCES', 'permission denied'],
    ['ENOSPC', 'no space left on device'],
    ['ENAMETOOLONG', 'file name too long'],
    ['EROFS', 'read-only file system'],
  ];
  for (const [code, reason] of cases) {
    it(`${code} is one line naming the path, exit 1`, () => {
      const error = pathError('out/bundle.kvb', errno(code));
      assert.ok(error instanceof InputError);
      assert.equal(error.message, `out/bundle.kvb: ${reason}`);
      assert.equal(error.exitCode, 1);
    });
  }

  it('keeps an unknown system error with its own message', () => {
    const error = pathError('x', errno('EWEIRD'));
    assert.ok(error instanceof InputError);
    assert.match(error.message, /^x: EWEIRD/);
  });

  it('passes through what is not a file system error', () => {
    const bug = new TypeError('not a function');
    assert.equal(pathError('x', bug), bug);
  });
});

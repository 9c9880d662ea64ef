import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenge } from './challenge.ts';

describe('WWW-Authenticate', () => {
  it('reads a Bearer challenge with quoted parameters (commas and escapes inside quotes)', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' },
    });
    assert.deepEqual(parseChallenge('Basic realm="say \\"hi\\""'), { scheme: 'basic', params: { realm: 'say "hi"' } });
    assert.deepEqual(parseChallenge('bearer realm=https://x/t, service=reg'), { scheme: 'bearer', params: { realm: 'https://x/t', service: 'reg' } });
  });

  it('gives an empty scheme for an empty header', () => {
    assert.deepEqual(parseChallenge(''), { scheme: '', params: {} });
  });
});

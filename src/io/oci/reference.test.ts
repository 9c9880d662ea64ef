import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../errors.ts';
import { formatOciReference, isOciLocation, manifestReference, parseOciReference } from './reference.ts';

const digest = `sha256:${'a'.repeat(64)}`;

describe('oci:// references', () => {
  it('parses host, port, nested repository, tag and digest', () => {
    assert.deepEqual(parseOciReference('oci://registry.example.com/backups/prod:2026-12-08'), { registry: 'registry.example.com', repository: 'backups/prod', tag: '2026-12-08' });
    assert.deepEqual(parseOciReference('oci://127.0.0.1:5000/a/b/c'), { registry: '127.0.0.1:5000', repository: 'a/b/c', tag: 'latest' });
    assert.deepEqual(parseOciReference(`oci://localhost:5000/x@${digest}`), { registry: 'localhost:5000', repository: 'x', digest });
    assert.deepEqual(parseOciReference(`oci://h/x:v1@${digest}`), { registry: 'h', repository: 'x', tag: 'v1', digest });
    assert.equal(manifestReference(parseOciReference(`oci://h/x:v1@${digest}`)), digest);
    assert.equal(formatOciReference(parseOciReference('oci://h:1/x/y:t')), 'oci://h:1/x/y:t');
    assert.equal(isOciLocation('oci://h/x'), true);
    assert.equal(isOciLocation('backup.kvb'), false);
  });

  it('refuses what the distribution spec does not allow, as a usage error naming it', () => {
    for (const [location, message] of [
      ['oci://host', /no repository/],
      ['oci://host/Upper', /invalid repository "Upper"/],
      ['oci://host/a//b', /invalid repository/],
      ['oci://host/a:-bad', /invalid tag "-bad"/],
      ['oci://host/a@sha256:123', /invalid digest/],
      ['oci://ho st/a', /invalid registry host/],
    ] as const) {
      assert.throws(() => parseOciReference(location), (error: unknown) => error instanceof UsageError && message.test(error.message), location);
    }
  });
});

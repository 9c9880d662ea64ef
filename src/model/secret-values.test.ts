import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSecretValue, redactSecretValue } from './secret-values.ts';
import { runCli } from '../testing/run-cli.ts';
import { makeTempDir } from '../testing/temp-dir.ts';

const secret = { group: '', kind: 'Secret' };

describe('Secret values', () => {
  it('are data, stringData and the last-applied annotation of core Secrets only', () => {
    assert.ok(isSecretValue(secret, '/data/password'));
    assert.ok(isSecretValue(secret, '/stringData'));
    assert.ok(isSecretValue(secret, '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration'));
    assert.ok(!isSecretValue(secret, '/metadata/namespace'));
    assert.ok(!isSecretValue({ group: '', kind: 'ConfigMap' }, '/data/x'));
  });

  it('become a digest marker: equal values, equal markers', () => {
    const a = redactSecretValue(secret, '/data/x', 'aHVudGVyMg==');
    assert.match(String(a), /^<redacted sha256:[0-9a-f]{16}>$/);
    assert.equal(redactSecretValue(secret, '/data/y', 'aHVudGVyMg=='), a);
    assert.equal(redactSecretValue(secret, '/metadata/namespace', 'ns1'), 'ns1');
  });

  it('never reach a transform --report, whatever rule changed them', async () => {
    const dir = makeTempDir('kvb-secret-report-');
    const input = join(dir, 'in.json');
    const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2-in-last-applied' } });
    writeFileSync(
      input,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: 'ns1', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
        data: { password: Buffer.from('hunter2').toString('base64') },
      }),
    );
    const report = join(dir, 'report.json');
    const result = await runCli(['transform', '-f', input, '--report', report, '--target-namespace', 'other', '--seed', 's', '--output-file', join(dir, 'out.yaml')]);
    assert.equal(result.code, 0, result.stderr);
    const text = readFileSync(report, 'utf8');
    assert.ok(!text.includes('hunter2'), text);
    assert.ok(!text.includes(Buffer.from('hunter2').toString('base64')), text);
    assert.match(text, /<redacted sha256:[0-9a-f]{16}>/);
  });
});

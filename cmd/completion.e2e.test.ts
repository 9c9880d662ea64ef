// Completion against the real control plane: namespaces and VM names come from the cluster the kubeconfig names,
// through kubectl's plugin completion hook; a cluster that does not answer gives nothing, quickly.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { CLUSTER_COMPLETION_TIMEOUT_MS } from './complete.ts';
import { createObjects } from '../scripts/e2e/cluster.ts';
import { E2eSession } from '../scripts/e2e/fixtures.ts';

const HOOK = fileURLToPath(new URL('./kubectl_complete-kvbackup.ts', import.meta.url));
const session = new E2eSession('kvbackup-complete-');
let namespace: string;

function hook(args: string[], env: Record<string, string>): { stdout: string; ms: number } {
  const started = Date.now();
  const result = spawnSync(process.execPath, [HOOK, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return { stdout: result.stdout, ms: Date.now() - started };
}

describe('completion from a live cluster', () => {
  before(async () => {
    namespace = await session.freshNamespace('kvb-complete');
    const vm = (name: string) => ({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name }, spec: { runStrategy: 'Halted', template: { spec: { domain: { devices: {} } } } } });
    await createObjects(session.kc, namespace, [vm('alpha-1'), vm('alpha-2'), vm('beta')]);
  });

  it('offers the namespaces of the cluster for -n', () => {
    const { stdout } = hook(['export', '-n', 'kvb-complete-'], { KUBECONFIG: session.plane.kubeconfig });
    assert.ok(stdout.split('\n').includes(namespace), stdout);
    assert.match(stdout, /^:4$/m);
  });

  it('offers the VMs of the namespace given with -n', () => {
    const { stdout } = hook(['export', '-n', namespace, 'alp'], { KUBECONFIG: session.plane.kubeconfig });
    assert.equal(stdout, 'alpha-1\nalpha-2\n:4\n');
  });

  it('offers the kubeconfig contexts for --context', () => {
    const { stdout } = hook(['restore', '--kubeconfig', session.plane.kubeconfig, '--context', ''], {});
    assert.ok(stdout.split('\n').length > 1, stdout);
    assert.match(stdout, /:4\n$/);
  });

  it('offers nothing, within the timeout, when the server does not answer', () => {
    // A port that accepts nothing: 127.0.0.1:9 (discard) is closed on test machines; a blackholed address would also do.
    const dir = session.work;
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'gone', cluster: { server: 'https://127.0.0.1:9' } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'gone', context: { cluster: 'gone', user: 'u' } }],
      'current-context': 'gone',
    }));
    const baseline = hook(['tr'], { KUBECONFIG: kubeconfig }).ms;
    const { stdout, ms } = hook(['export', '-n', ''], { KUBECONFIG: kubeconfig });
    assert.equal(stdout, ':4\n');
    // Start-up aside, the look-up may take the completion timeout and not much more.
    assert.ok(ms - baseline < CLUSTER_COMPLETION_TIMEOUT_MS + 2500, `${ms} ms against ${baseline} ms without a look-up`);
  });
});

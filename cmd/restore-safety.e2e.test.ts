// End to end on the real control plane: restore treats a bundle as untrusted. Hostile names never reach a request
// path, only the kinds a VM backup holds are created, scope comes from the kind, and every dry run changes nothing.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiRequest } from '../scripts/e2e/cluster.ts';
import { E2eSession } from '../scripts/e2e/fixtures.ts';
import type { KubeObject } from '../src/model/kube-object.ts';
import { craftBundle } from '../src/testing/hostile-bundle.ts';
import { runCli } from '../src/testing/run-cli.ts';

const session = new E2eSession('kvbackup-restore-safety-e2e-');
const { work } = session;

async function status(path: string): Promise<number> {
  return (await apiRequest(session.kc, 'GET', path)).status;
}

/** Names of every object of the listed resources in `namespace`, for before/after comparisons. */
async function inventory(namespace: string): Promise<string[]> {
  const paths = [
    `/api/v1/namespaces/${namespace}/configmaps`,
    `/api/v1/namespaces/${namespace}/secrets`,
    `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
    `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachines`,
    `/apis/cdi.kubevirt.io/v1beta1/namespaces/${namespace}/datavolumes`,
    `/apis/snapshot.kubevirt.io/v1beta1/namespaces/${namespace}/virtualmachinesnapshots`,
    `/apis/export.kubevirt.io/v1/namespaces/${namespace}/virtualmachineexports`,
  ];
  const names: string[] = [];
  for (const path of paths) {
    const response = await apiRequest(session.kc, 'GET', path);
    assert.equal(response.status, 200, path);
    const list = JSON.parse(response.body.toString()) as { items: KubeObject[] };
    // kube-root-ca.crt is published by the controller manager at its own pace after the namespace appears.
    for (const item of list.items.filter((object) => object.metadata.name !== 'kube-root-ca.crt')) names.push(`${path.split('/').pop()}/${item.metadata.name}@${item.metadata.resourceVersion}`);
  }
  return names.sort();
}

/**
 * The inventory once the simulator has finished reconciling what a test just created (it writes a new VM's status
 * shortly after), so a later difference can only come from the command under test.
 */
async function settledInventory(namespace: string): Promise<string[]> {
  let previous = await inventory(namespace);
  for (let attempt = 0; attempt < 20; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const current = await inventory(namespace);
    if (JSON.stringify(current) === JSON.stringify(previous)) return current;
    previous = current;
  }
  return previous;
}

const claim = (name: string, namespace: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});

describe('restore of a hostile bundle', () => {
  for (const name of ['..', '.']) {
    it(`refuses a PVC named ${JSON.stringify(name)} even with --on-conflict replace, and the namespace survives`, async () => {
      const namespace = await session.freshNamespace('kvb-dotdot');
      const bundle = join(work, `dot-${name.length}.kvb`);
      writeFileSync(bundle, await craftBundle([claim(name, namespace), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace }, data: { a: '1' } }]));
      const validate = await runCli(['validate', bundle]);
      assert.equal(validate.code, 1, validate.stdout.toString());
      assert.match(validate.stdout.toString() + validate.stderr, /metadata\.name "\.{1,2}"/);
      const result = await session.cli(['restore', '-f', bundle, '--on-conflict', 'replace']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /objects\/core\/PersistentVolumeClaim\/.*metadata\.name "\.{1,2}"/);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(await status(`/api/v1/namespaces/${namespace}`), 200, 'the namespace still exists');
      const ns = JSON.parse((await apiRequest(session.kc, 'GET', `/api/v1/namespaces/${namespace}`)).body.toString()) as KubeObject;
      assert.equal(ns.metadata.deletionTimestamp, undefined, 'the namespace is not being deleted');
      assert.equal(await status(`/api/v1/namespaces/${namespace}/configmaps/cm`), 404, 'nothing was created');
    });
  }

  it('refuses a cluster-admin ClusterRoleBinding and a webhook before creating anything, listing them', async () => {
    const namespace = await session.freshNamespace('kvb-kinds');
    const suffix = namespace.slice(-12);
    const bundle = join(work, 'kinds.kvb');
    writeFileSync(
      bundle,
      await craftBundle([
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace }, data: { a: '1' } },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: `pwn-${suffix}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: 'default', namespace }],
        } as KubeObject,
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'MutatingWebhookConfiguration',
          metadata: { name: `hook-${suffix}` },
          webhooks: [{ name: 'x.example.com', clientConfig: { url: 'https://attacker.example.com/' }, admissionReviewVersions: ['v1'], sideEffects: 'None' }],
        } as KubeObject,
      ]),
    );
    const result = await session.cli(['restore', '-f', bundle]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /refusing to restore 2 objects of kinds a VM backup does not hold; nothing was created/);
    assert.match(result.stderr, /ClusterRoleBinding\.rbac\.authorization\.k8s\.io pwn-.* \(--allow-kind ClusterRoleBinding\.rbac\.authorization\.k8s\.io\)/);
    assert.match(result.stderr, /MutatingWebhookConfiguration/);
    assert.equal(await status(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/pwn-${suffix}`), 404);
    assert.equal(await status(`/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/hook-${suffix}`), 404);
    assert.equal(await status(`/api/v1/namespaces/${namespace}/configmaps/cm`), 404);
  });

  it('--allow-kind widens the list; a cluster-scoped KubeVirt kind is created cluster-scoped whatever namespace the input gave it', async () => {
    const namespace = await session.freshNamespace('kvb-allow');
    const policy = `kvb-policy-${namespace.slice(-10)}`;
    const input = join(work, 'policy.json');
    writeFileSync(
      input,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'migrations.kubevirt.io/v1alpha1', kind: 'MigrationPolicy', metadata: { name: policy, namespace }, spec: { allowAutoConverge: true, selectors: {} } },
          { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota', namespace }, spec: { hard: { pods: '10' } } },
        ],
      }),
    );
    const refused = await session.cli(['restore', '-f', input]);
    assert.equal(refused.code, 1, refused.stderr);
    const result = await session.cli(['restore', '-f', input, '--allow-kind', 'MigrationPolicy.migrations.kubevirt.io', '--allow-kind', 'ResourceQuota']);
    try {
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, new RegExp(`restore: writing to namespace ${namespace} and 1 cluster-scoped object`));
      assert.equal(await status(`/apis/migrations.kubevirt.io/v1alpha1/migrationpolicies/${policy}`), 200);
      assert.equal(await status(`/api/v1/namespaces/${namespace}/resourcequotas/quota`), 200);
    } finally {
      await apiRequest(session.kc, 'DELETE', `/apis/migrations.kubevirt.io/v1alpha1/migrationpolicies/${policy}`);
    }
  });
});

describe('restore --data-source export-url with a hostile export record', () => {
  for (const url of ['https://169.254.169.254/latest/meta-data/e/volumes/disk/disk.img.gz', 'http://exports.example.com/e/volumes/disk/disk.img.gz', 'https://127.0.0.1:1/e/volumes/disk/disk.img.gz']) {
    it(`refuses ${url} before creating anything`, async () => {
      const namespace = await session.freshNamespace('kvb-url');
      const dataVolume: KubeObject = {
        apiVersion: 'cdi.kubevirt.io/v1beta1',
        kind: 'DataVolume',
        metadata: { name: 'disk', namespace },
        spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } },
      };
      const record = {
        namespace,
        vmName: 'vm',
        exportName: 'e',
        phase: 'Ready',
        token: 'T',
        links: { external: { cert: 'PEM', volumes: [{ name: 'disk', formats: [{ format: 'gzip' as const, url }] }], manifests: [] } },
        data: [],
      };
      const bundle = join(work, `url-${namespace}.kvb`);
      writeFileSync(bundle, await craftBundle([dataVolume], { exports: [record] }));
      const before = await inventory(namespace);
      const result = await session.cli(['restore', '-f', bundle, '--data-source', 'export-url']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /refusing the URL of volume disk/);
      assert.deepEqual(await inventory(namespace), before);
    });
  }
});

describe('dry runs change nothing', () => {
  const objects = (namespace: string): KubeObject[] => [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace }, data: { a: '2' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'new-secret', namespace }, stringData: { password: 'x' } },
    claim('disk', namespace),
  ];

  for (const form of [['--dry-run'], ['--dry-run=client'], ['--dry-run=server'], ['--dry-run', 'client']]) {
    it(`restore ${form.join(' ')} --on-conflict replace`, async () => {
      const namespace = await session.freshNamespace('kvb-dry');
      assert.equal((await apiRequest(session.kc, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, { metadata: { name: 'cm' }, data: { a: '1' } })).status, 201);
      const input = join(work, `dry-${namespace}.json`);
      writeFileSync(input, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects(namespace) }));
      const before = await inventory(namespace);
      const result = await session.cli(['restore', '-f', input, '--on-conflict', 'replace', ...form]);
      assert.equal(result.code, 0, result.stderr);
      if (form.length === 1 && form[0] === '--dry-run') assert.match(result.stderr, /--dry-run without a value means --dry-run=client/);
      assert.match(result.stdout.toString(), /dry run: (client|server), nothing was changed/);
      assert.deepEqual(await inventory(namespace), before);
    });
  }

  it('restore --dry-run=bogus is a usage error', async () => {
    const result = await session.cli(['restore', '-f', join(work, 'none.json'), '--dry-run=bogus']);
    assert.equal(result.code, 2, result.stderr);
  });

  for (const form of [['--dry-run'], ['--dry-run=client'], ['--dry-run=server']]) {
    it(`export ${form.join(' ')} changes nothing`, async () => {
      const namespace = await session.freshNamespace('kvb-exdry');
      assert.equal((await apiRequest(session.kc, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, { metadata: { name: 'cm' }, data: { a: '1' } })).status, 201);
      const vm = { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name: 'vm1' }, spec: { runStrategy: 'Halted', template: { spec: { domain: { devices: {} } } } } };
      assert.equal((await apiRequest(session.kc, 'POST', `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachines`, vm)).status, 201);
      const before = await settledInventory(namespace);
      const snapshot = form[0] === '--dry-run=server' ? [] : ['--snapshot', '--export'];
      const result = await session.cli(['export', '-n', namespace, ...form, ...snapshot]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout.toString() + result.stderr, /dry run/);
      assert.deepEqual(await inventory(namespace), before);
    });
  }

  it('export --dry-run=server with --snapshot is refused before anything happens', async () => {
    const result = await session.cli(['export', '-n', 'default', '--dry-run=server', '--snapshot']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /guest freezing has no server-side dry run/);
  });
});

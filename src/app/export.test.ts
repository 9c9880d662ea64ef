import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../model/kube-object.ts';
import { readWholeBundle } from '../testing/read-bundle.ts';
import { sendJson, startTestServer, type TestServer } from '../testing/fake-apiserver.ts';
import type { ExportOptions } from './options.ts';
import { runExport } from './export.ts';
import { makeTempDir } from '../testing/temp-dir.ts';

const disk = Buffer.from('the served disk bytes');

/** A stateful fake apiserver + export server: objects by resource path, snapshots ready and exports Ready at once. */
interface FakeState {
  objects: Map<string, KubeObject[]>;
  freezes: string[];
  deleted: string[];
  failSnapshots: boolean;
  /** Served with Range support when set (else `disk`, without). */
  rangedDisk?: Buffer | undefined;
  /** Range requests answered before the export server answers 404 to every one. */
  rangesBeforeFailure?: number;
  rangesServed?: number;
}

function fakeCluster(state: FakeState) {
  return startTestServer((request, response, url) => {
    const path = url.pathname;
    if (path === '/version') return sendJson(response, 200, { gitVersion: 'v1.34.4' });
    if (path.startsWith('/data/')) {
      if (request.headers['x-kubevirt-export-token'] === undefined) return sendJson(response, 401, {});
      const range = /^bytes=(\d+)-(\d+)$/.exec(String(request.headers.range ?? ''));
      if (state.rangedDisk && range) {
        if ((state.rangesServed ?? 0) >= (state.rangesBeforeFailure ?? Infinity)) return sendJson(response, 404, { message: 'export gone' });
        state.rangesServed = (state.rangesServed ?? 0) + 1;
        const [start, end] = [Number(range[1]), Math.min(Number(range[2]), state.rangedDisk.length - 1)];
        response.writeHead(206, { 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${state.rangedDisk.length}` });
        return response.end(state.rangedDisk.subarray(start, end + 1));
      }
      const body = path.endsWith('.gz') ? gzipSync(disk) : disk;
      response.writeHead(200, { 'content-length': String(body.length) });
      return response.end(body);
    }
    const sub = /\/virtualmachineinstances\/([^/]+)\/(freeze|unfreeze)$/.exec(path);
    if (sub) {
      state.freezes.push(`${sub[2]} ${sub[1]}`);
      return sendJson(response, 200, {});
    }
    const match = /^\/apis?\/(?:[^/]+\/)?[^/]+\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path) ?? /^\/apis?\/(?:[^/]+\/)?[^/]+\/([^/]+)$/.exec(path);
    const resource = match?.length === 4 ? (match[2] as string) : (match?.[1] as string);
    const name = match?.length === 4 ? match[3] : undefined;
    const list = state.objects.get(resource) ?? [];
    if (request.method === 'GET' && !name) {
      const items = list.map((o) => {
        if (resource === 'virtualmachinesnapshots')
          return { ...o, status: state.failSnapshots ? { phase: 'Failed', error: { message: 'boom' } } : { readyToUse: true, phase: 'Succeeded', sourceIndications: [{ indication: 'Online' }, { indication: 'GuestAgent' }] } };
        if (resource === 'virtualmachineexports') {
          const base = `http://127.0.0.1:${(request.socket.localPort as number)}/data/${o.metadata.name}`;
          return { ...o, status: { phase: 'Ready', links: { external: { cert: 'CA', volumes: [{ name: 'disk0', formats: [{ format: 'raw', url: `${base}/disk.img` }, { format: 'gzip', url: `${base}/disk.img.gz` }] }], manifests: [{ type: 'all', url: `${base}/all` }] } } } };
        }
        return o;
      });
      return sendJson(response, 200, { metadata: {}, items });
    }
    if (request.method === 'POST') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const object = JSON.parse(Buffer.concat(chunks).toString()) as KubeObject;
        object.metadata.uid = `uid-${object.metadata.name}`;
        state.objects.set(resource, [...(state.objects.get(resource) ?? []), object]);
        sendJson(response, 201, object);
      });
      return;
    }
    if (request.method === 'DELETE') {
      state.deleted.push(`${resource}/${name}`);
      state.objects.set(resource, list.filter((o) => o.metadata.name !== name));
      return sendJson(response, 200, {});
    }
    sendJson(response, 404, { message: `not found: ${path}` });
  });
}

const vm = (name: string): KubeObject => ({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name, namespace: 'ns1', uid: `uid-${name}` }, spec: { template: { spec: { volumes: [{ name: 'disk0', persistentVolumeClaim: { claimName: 'disk0' } }] } } } });
const vmi = (name: string): KubeObject => ({
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachineInstance',
  metadata: { name, namespace: 'ns1', ownerReferences: [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name, uid: `uid-${name}`, controller: true }] },
  spec: {},
  status: { phase: 'Running', conditions: [{ type: 'AgentConnected', status: 'True' }] },
});

function options(server: TestServer, overrides: Partial<ExportOptions>): ExportOptions {
  return {
    kubeconfig: server.kubeconfig, context: undefined, namespace: undefined, allNamespaces: false, selector: undefined, verbose: true,
    names: [], quiesce: 'auto', snapshot: false, export: false, withData: false, includeToken: false, keep: false, dryRun: false, gzip: true,
    outputFile: '-', timeoutSeconds: 0, snapshotTimeoutSeconds: 5, exportTimeoutSeconds: 5, unfreezeTimeoutSeconds: 35, exportTtlSeconds: 600, parallel: 4, resume: false, incremental: false, base: undefined,
    ...overrides,
  };
}

function streams() {
  const stdout = Object.assign(new PassThrough(), { isTTY: false });
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  const err: Buffer[] = [];
  stderr.on('data', (c: Buffer) => err.push(c));
  return { io: { stdin: new PassThrough(), stdout, stderr }, stderrText: () => Buffer.concat(err).toString() };
}

describe('runExport against a fake cluster', () => {
  const state: FakeState = { objects: new Map<string, KubeObject[]>(), freezes: [] as string[], deleted: [] as string[], failSnapshots: false };
  let server: TestServer;
  const dir = makeTempDir('kvb-export-');
  before(async () => (server = await fakeCluster(state)));
  after(() => server.close());

  const reset = () => {
    state.objects = new Map([
      ['virtualmachines', [vm('vm1')]],
      ['virtualmachineinstances', [vmi('vm1')]],
      ['persistentvolumeclaims', [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'disk0', namespace: 'ns1' } }]],
    ]);
    state.freezes = [];
    state.deleted = [];
    state.failSnapshots = false;
    state.rangedDisk = undefined;
    state.rangesBeforeFailure = undefined;
    state.rangesServed = 0;
  };

  it('quiesces, snapshots, exports, downloads, writes the bundle and cleans up', async () => {
    reset();
    const output = join(dir, 'full.kvb');
    const { io, stderrText } = streams();
    await runExport(options(server, { snapshot: true, export: true, withData: true, outputFile: output }), io);
    assert.deepEqual(state.freezes, ['freeze vm1', 'unfreeze vm1']);
    const { metadata, data } = await readWholeBundle(createReadStream(output), output);
    assert.deepEqual(metadata.refs.map((r) => `${r.kind}/${r.name}`), ['PersistentVolumeClaim/disk0', 'VirtualMachine/vm1', 'VirtualMachineInstance/vm1']);
    const exported = metadata.objects.find((o) => o.object.kind === 'VirtualMachine')?.object;
    assert.equal(exported?.metadata.annotations?.['kubectl-kvbackup/quiesced'], 'true');
    assert.equal(exported?.metadata.annotations?.['kubectl-kvbackup/source-indications'], 'Online,GuestAgent');
    assert.equal(metadata.header.source?.kubernetesVersion, 'v1.34.4');
    assert.equal(metadata.exports[0]?.data[0]?.format, 'raw');
    assert.deepEqual(data.map((volume) => volume.path), ['volumes/ns1/disk0/index.json.zst']);
    assert.deepEqual(data[0]?.bytes, disk);
    assert.equal(state.objects.get('virtualmachinesnapshots')?.length, 0);
    assert.equal(state.objects.get('virtualmachineexports')?.length, 0);
    assert.equal(state.objects.get('secrets')?.length, 0);
    assert.match(stderrText(), /kvbackup: \d+ API requests/);
  });

  it('keeps the partial bundle, journal, snapshot and export when the data transfer fails, and --resume fetches only the rest', async () => {
    reset();
    const MiB = 1024 * 1024;
    state.rangedDisk = Buffer.concat([randomBytes(3 * MiB), Buffer.alloc(2 * MiB), randomBytes(MiB + 17)]);
    state.rangesBeforeFailure = 4;
    const output = join(dir, 'resumed.kvb');
    const first = streams();
    await assert.rejects(runExport(options(server, { snapshot: true, export: true, withData: true, outputFile: output, parallel: 1 }), first.io), /HTTP 404.*; the partial export is kept: run the same command with --resume/);
    assert.match(first.stderrText(), /kept for --resume: .*resumed\.kvb\.partial, .*resumed\.kvb\.partial\.journal and VirtualMachineSnapshot ns1\/\S+, VirtualMachineExport ns1\/\S+ and its token Secret/);
    assert.deepEqual(state.freezes, ['freeze vm1', 'unfreeze vm1'], 'the guest is thawed before the data is fetched');
    assert.ok(existsSync(`${output}.partial`) && existsSync(`${output}.partial.journal`) && !existsSync(output));
    assert.deepEqual(state.deleted, [], 'nothing deleted: the rerun needs it');

    state.rangesBeforeFailure = undefined;
    state.rangesServed = 0;
    const second = streams();
    await runExport(options(server, { snapshot: true, export: true, withData: true, outputFile: output, resume: true }), second.io);
    assert.equal(state.freezes.length, 2, 'a resumed export does not freeze or snapshot again');
    assert.ok(state.rangesServed < 7, `the resumed run fetched ${state.rangesServed} of 7 chunks\n${first.stderrText()}\n${second.stderrText()}`);
    assert.match(second.stderrText(), /reused \d+ from the interrupted run/);
    assert.ok(!existsSync(`${output}.partial`) && !existsSync(`${output}.partial.journal`));
    const { data } = await readWholeBundle(createReadStream(output), output);
    assert.deepEqual(data[0]?.bytes, state.rangedDisk);
    assert.equal(state.objects.get('virtualmachinesnapshots')?.length, 0);
    assert.equal(state.objects.get('virtualmachineexports')?.length, 0);
  });

  it('thaws and deletes on a snapshot failure, leaving no bundle', async () => {
    reset();
    state.failSnapshots = true;
    const output = join(dir, 'failed.kvb');
    const { io } = streams();
    await assert.rejects(runExport(options(server, { snapshot: true, outputFile: output }), io), /snapshot failed for 1 of 1 VM/);
    assert.deepEqual(state.freezes, ['freeze vm1', 'unfreeze vm1']);
    assert.equal(state.objects.get('virtualmachinesnapshots')?.length, 0);
    await assert.rejects(import('node:fs/promises').then((fs) => fs.stat(output)));
  });

  it('--dry-run reads but creates, freezes and writes nothing', async () => {
    reset();
    const { io } = streams();
    const out: Buffer[] = [];
    io.stdout.on('data', (c: Buffer) => out.push(c));
    await runExport(options(server, { snapshot: true, export: true, dryRun: true }), io);
    assert.match(Buffer.concat(out).toString(), /freeze VirtualMachineInstance\.kubevirt\.io ns1\/vm1: running with a connected guest agent/);
    assert.deepEqual(state.freezes, []);
    assert.equal(state.objects.get('virtualmachinesnapshots'), undefined);
  });
});

// What every e2e file shares: the control plane session, objects the tests create, waits on what the simulator
// makes of them.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { runCli, type CliOptions, type CliResult } from '../../src/testing/run-cli.ts';
import { makeTempDir } from '../../src/testing/temp-dir.ts';
import { connect, createNamespace, deleteNamespace, eventually, kubeConfig, readObject, type ControlPlane } from './cluster.ts';
import { simAnnotations } from './simulator.ts';

/**
 * One e2e file's session: the control plane and an admin KubeConfig (set by a `before` hook it registers), a work
 * folder, the namespaces the file makes (deleted by an `after` hook unless kept for post-mortem), and the CLI run
 * as a user would, against the plane.
 */
export class E2eSession {
  plane!: ControlPlane;
  kc!: KubeConfig;
  readonly work: string;
  readonly #namespaces: string[] = [];

  constructor(workPrefix: string, options: { keepNamespaces?: boolean } = {}) {
    this.work = makeTempDir(workPrefix);
    before(async () => {
      this.plane = await connect();
      this.kc = kubeConfig(this.plane);
    });
    if (!options.keepNamespaces) {
      after(async () => {
        for (const namespace of this.#namespaces) await deleteNamespace(this.kc, namespace);
      });
    }
  }

  /** A new namespace, named `<prefix>-…`. */
  async freshNamespace(prefix: string): Promise<string> {
    const namespace = await createNamespace(this.kc, prefix);
    this.#namespaces.push(namespace);
    return namespace;
  }

  /** Deletes `namespace` after the file's tests, with the namespaces made here. */
  deleteAfterwards(namespace: string): void {
    this.#namespaces.push(namespace);
  }

  /** A namespace name nobody created (a restore creates it). */
  unusedNamespace(prefix: string): string {
    const namespace = `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
    this.#namespaces.push(namespace);
    return namespace;
  }

  /** Writes objects as a `List` into the work folder; its path. */
  writeInput(name: string, objects: readonly unknown[]): string {
    const file = join(this.work, name);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    return file;
  }

  /** `kubectl-kvbackup <args> --kubeconfig <admin>`. */
  cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
    return runCli([...args, '--kubeconfig', this.plane.kubeconfig], { offline: false, ...options });
  }
}

/** Loose view of an object's fields for assertions. */
export type Obj = KubernetesObject & { spec?: any; status?: any; data?: any; [k: string]: any };

/** A VM with one blank DataVolume disk; `annotations` may carry simulator switches. */
export function vmWithDataVolume(name: string, opts: { running?: boolean; annotations?: Record<string, string>; diskSize?: number } = {}): Obj {
  const dvAnnotations = simAnnotations({ diskSize: opts.diskSize });
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, annotations: opts.annotations ?? {} },
    spec: {
      runStrategy: opts.running === false ? 'Halted' : 'Always',
      dataVolumeTemplates: [
        {
          metadata: { name: `${name}-disk`, annotations: dvAnnotations },
          spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } },
        },
      ],
      template: {
        metadata: { labels: { app: name } },
        spec: {
          domain: { devices: { disks: [{ name: 'root', disk: { bus: 'virtio' } }] }, resources: { requests: { memory: '128Mi' } } },
          volumes: [{ name: 'root', dataVolume: { name: `${name}-disk` } }],
        },
      },
    },
  };
}

/** Waits until the VM's VMI is Running and returns it. */
export function vmiRunning(kc: KubeConfig, namespace: string, name: string): Promise<Obj> {
  return eventually(`VMI ${namespace}/${name} Running`, async () => {
    const vmi = await readObject<Obj>(kc, { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', metadata: { name, namespace } });
    return vmi.status?.phase === 'Running' ? vmi : undefined;
  });
}

/** Reads an object, polling until `ready` accepts it. */
export function waitFor(kc: KubeConfig, ref: Obj, what: string, ready: (o: Obj) => boolean, timeoutMs = 30_000): Promise<Obj> {
  return eventually(
    `${ref.kind} ${ref.metadata?.namespace ?? ''}/${ref.metadata?.name}: ${what}`,
    async () => {
      const o = await readObject<Obj>(kc, ref);
      return ready(o) ? o : undefined;
    },
    timeoutMs,
  );
}

type Condition = { type: string; status?: string; reason?: string; message?: string };

export function condition(o: Obj, type: string): Condition | undefined {
  return (o.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);
}

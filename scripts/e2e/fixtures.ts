// Objects the e2e tests create, and waits on what the simulator makes of them.

import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { apiRequest, eventually, readObject } from './cluster.ts';

/** Loose view of an object's fields for assertions. */
export type Obj = KubernetesObject & { spec?: any; status?: any; data?: any; [k: string]: any };

/** A VM with one blank DataVolume disk; `annotations` may carry simulator switches. */
export function vmWithDataVolume(name: string, opts: { running?: boolean; annotations?: Record<string, string>; diskSize?: number } = {}): Obj {
  const dvAnnotations = opts.diskSize === undefined ? {} : { 'sim.kvbackup.test/disk-size': String(opts.diskSize) };
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

/** A CDI upload token for the claim `pvc`, from an UploadTokenRequest (as `virtctl image-upload` asks for one). */
export async function uploadToken(kc: KubeConfig, namespace: string, pvc: string): Promise<string> {
  const response = await apiRequest(kc, 'POST', `/apis/upload.cdi.kubevirt.io/v1beta1/namespaces/${namespace}/uploadtokenrequests`, {
    apiVersion: 'upload.cdi.kubevirt.io/v1beta1',
    kind: 'UploadTokenRequest',
    metadata: { name: pvc, namespace },
    spec: { pvcName: pvc },
  });
  if (response.status !== 201) throw new Error(`UploadTokenRequest for ${namespace}/${pvc}: HTTP ${response.status}: ${response.body.toString()}`);
  return JSON.parse(response.body.toString()).status.token as string;
}

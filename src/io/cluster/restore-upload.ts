// Volume data from a bundle into CDI: wait for the upload DataVolume, get an upload token, stream the bytes to the upload proxy.

import https from 'node:https';
import http from 'node:http';
import tls from 'node:tls';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterError, InputError, KvbError } from '../../errors.ts';
import { getString, type KubeObject } from '../../model/kube-object.ts';
import type { ClusterClient } from './client.ts';
import { readBody } from './http.ts';
import { statusMessage, targetOf, type ResourceTarget } from './resource.ts';
import { startTask } from '../term/progress.ts';
import { pause } from './retry.ts';

const TOKEN_TARGET = (namespace: string): ResourceTarget => ({
  verb: 'create',
  group: 'upload.cdi.kubevirt.io',
  version: 'v1beta1',
  resource: 'uploadtokenrequests',
  namespace,
});

/** Where and how to reach CDI's upload proxy. */
export interface UploadProxy {
  url: string;
  /** Trusted CAs: the system's plus the kubeconfig's or `--upload-proxy-ca`. */
  ca: string[];
}

/**
 * The upload proxy: `--upload-proxy-url`, else the CDIConfig's `status.uploadProxyURL`. Its certificate is trusted
 * when the system, the kubeconfig's cluster CA, or `--upload-proxy-ca` vouches for it.
 * @throws ClusterError when neither names a URL.
 */
export async function locateUploadProxy(
  client: ClusterClient,
  options: { url?: string | undefined; caFile?: string | undefined; kubeconfig?: string | undefined; context?: string | undefined },
): Promise<UploadProxy> {
  let url = options.url;
  if (!url) {
    const config = await client.callOptional<KubeObject>({ target: targetOfCdiConfig() });
    url = config ? getString(config, 'status', 'uploadProxyURL') : undefined;
    if (!url) throw new ClusterError('the CDIConfig "config" has no status.uploadProxyURL: pass --upload-proxy-url');
  }
  if (!/^https?:\/\//.test(url)) url = `https://${url}`;
  const ca = [...tls.rootCertificates];
  if (options.caFile) {
    ca.push(await readFile(options.caFile, 'utf8').catch((cause: Error) => Promise.reject(new InputError(`${options.caFile}: ${cause.message}`))));
  } else {
    const clusterCa = kubeconfigCa(options.kubeconfig, options.context);
    if (clusterCa) ca.push(clusterCa);
  }
  return { url: url.replace(/\/+$/, ''), ca };
}

function targetOfCdiConfig(): ResourceTarget {
  return { verb: 'get', group: 'cdi.kubevirt.io', version: 'v1beta1', resource: 'cdiconfigs', name: 'config' };
}

function kubeconfigCa(file: string | undefined, context: string | undefined): string | undefined {
  try {
    const config = new KubeConfig();
    if (file) config.loadFromFile(file);
    else config.loadFromDefault();
    if (context) config.setCurrentContext(context);
    const cluster = config.getCurrentCluster();
    if (cluster?.caData) return Buffer.from(cluster.caData, 'base64').toString('utf8');
    return undefined;
  } catch {
    return undefined;
  }
}

/** The DataVolume's phase as last read; undefined when it does not exist. */
async function dataVolumePhase(client: ClusterClient, namespace: string, name: string, signal?: AbortSignal): Promise<string | undefined> {
  const dv = await client.callOptional<KubeObject>({ target: targetOf('cdi.kubevirt.io', 'DataVolume', 'get', namespace, name), signal });
  return dv ? (getString(dv, 'status', 'phase') ?? '') : undefined;
}

/**
 * Waits until the DataVolume is UploadReady (true) or already Succeeded (false: its data is there, a re-run).
 * @throws ClusterError past the deadline or when it Failed.
 */
export async function waitUploadReady(client: ClusterClient, namespace: string, name: string, deadline: number, signal?: AbortSignal): Promise<boolean> {
  for (let interval = 200; ; interval = Math.min(2_000, interval * 2)) {
    const phase = await dataVolumePhase(client, namespace, name, signal);
    if (phase === 'UploadReady') return true;
    if (phase === 'Succeeded') return false;
    if (phase === 'Failed') throw new ClusterError(`DataVolume ${namespace}/${name} failed before its data was uploaded`);
    if (Date.now() > deadline) throw new ClusterError(`timed out waiting for DataVolume ${namespace}/${name} to be UploadReady (phase ${phase || 'none'})`);
    await pause(interval, signal);
  }
}

/** An upload token for the PVC (CDI's UploadTokenRequest, as `virtctl image-upload` asks for one). */
export async function requestUploadToken(client: ClusterClient, namespace: string, pvc: string, signal?: AbortSignal): Promise<string> {
  const body = { apiVersion: 'upload.cdi.kubevirt.io/v1beta1', kind: 'UploadTokenRequest', metadata: { name: pvc, namespace }, spec: { pvcName: pvc } };
  const response = await client.call<KubeObject>({ target: TOKEN_TARGET(namespace), body, signal });
  const token = getString(response, 'status', 'token');
  if (!token) throw new ClusterError(`the UploadTokenRequest for ${namespace}/${pvc} returned no token`);
  return token;
}

/**
 * Streams `data` (`size` bytes, raw or gzip: CDI undoes gzip) to the proxy's synchronous upload endpoint. The bytes
 * are never held in memory. When `data` fails (a chunk that does not check out), the request is cut short — the
 * proxy never gets a complete body — and that error is thrown as it is.
 * @throws ClusterError with the proxy's answer on any non-2xx.
 */
export async function uploadData(proxy: UploadProxy, token: string, data: Readable, size: number, what: string, signal?: AbortSignal): Promise<void> {
  const url = new URL(`${proxy.url}/v1beta1/upload`);
  const transport = url.protocol === 'http:' ? http : https;
  const progress = startTask(`upload ${what}`, { unit: 'bytes', total: size });
  data.on('data', (chunk: Buffer) => progress.add(chunk.length));
  let dataError: unknown;
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = transport.request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(size) },
      ca: proxy.ca,
      signal,
    }, resolve);
    request.on('error', reject);
    data.on('error', (error) => {
      dataError = error;
      request.destroy(error);
    });
    data.pipe(request);
  }).catch((error: Error) => {
    if (dataError instanceof KvbError) throw dataError;
    throw new ClusterError(`cannot upload ${what} to ${url.origin}: ${error.message}`);
  }).finally(() => progress.done());
  const body = await readBody(response, 64 * 1024);
  if (dataError instanceof KvbError) throw dataError;
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const message = statusMessage(body.toString('utf8')) ?? '';
    throw new ClusterError(`upload of ${what} to ${url.origin} failed: HTTP ${status}${message ? `: ${message}` : ''}`, [], { status });
  }
}

// Test support: a loopback HTTP proxy in front of the apiserver that answers chosen requests with faults (5xx bursts).

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** Decides per request: undefined forwards it, a number answers with that status instead. */
export type FaultRule = (method: string, path: string, seq: number) => number | undefined;

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** A kubeconfig (YAML text) whose server is the proxy; the proxy authenticates upstream itself. */
  kubeconfig: string;
  /** Faults injected so far, as `<status> <method> <path>`. */
  injected: string[];
  close(): Promise<void>;
}

/**
 * Starts the proxy. It forwards to the kubeconfig's current cluster with the kubeconfig's credentials (client
 * certificate or token), so the product talks plain HTTP to the proxy with no credentials of its own.
 */
export async function startFaultProxy(upstreamKubeconfig: string, rule: FaultRule): Promise<FaultProxy> {
  const config = new KubeConfig();
  config.loadFromFile(upstreamKubeconfig);
  const upstream = new URL(config.getCurrentCluster()?.server ?? '');
  const options: https.RequestOptions = {};
  await config.applyToHTTPSOptions(options as never);
  const injected: string[] = [];
  let seq = 0;
  const server = http.createServer((request, response) => {
    seq++;
    const url = request.url ?? '/';
    const status = rule(request.method ?? 'GET', url, seq);
    if (status !== undefined) {
      injected.push(`${status} ${request.method} ${url}`);
      request.resume();
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'injected fault', code: status }));
      return;
    }
    const headers = { ...request.headers, ...(options.headers as Record<string, string> | undefined) };
    delete headers.host;
    const forward = https.request(
      new URL(url, upstream),
      { method: request.method, headers, agent: options.agent as https.Agent },
      (upstreamResponse) => {
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(response);
      },
    );
    forward.on('error', () => response.destroy());
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'proxy', cluster: { server: proxyUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'proxy', user: {} }],
    contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'proxy' } }],
    'current-context': 'proxy',
  });
  return {
    url: proxyUrl,
    kubeconfig,
    injected,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

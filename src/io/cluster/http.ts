// One HTTP(S) exchange on node:http(s): the request goes out, the response comes back as a stream or a bounded body.

import http from 'node:http';
import https from 'node:https';
import { ClusterError } from '../../errors.ts';

export interface HttpRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** TLS and auth settings (agent with CA, client certificate) for the server. */
  agent?: http.Agent | undefined;
  /** PEM CA bundle to trust, for servers outside the kubeconfig (the export server). */
  ca?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Milliseconds without any socket activity before the exchange fails with ETIMEDOUT. */
  idleTimeoutMs?: number | undefined;
}

/** Sends the request; resolves with the response once its headers arrived (the body is still to be read). */
export function send(request: HttpRequest): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const transport = request.url.protocol === 'http:' ? http : https;
    const options: https.RequestOptions = {
      method: request.method,
      headers: request.body === undefined ? request.headers : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      signal: request.signal,
    };
    if (request.agent) options.agent = request.agent;
    if (request.ca) options.ca = request.ca;
    const outgoing = transport.request(request.url, options, resolve);
    outgoing.on('error', reject);
    if (request.idleTimeoutMs) {
      outgoing.setTimeout(request.idleTimeoutMs, () => {
        outgoing.destroy(Object.assign(new Error(`no response from ${request.url.host} within ${request.idleTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
      });
    }
    outgoing.end(request.body);
  });
}

/** Reads the whole body; fails past `limitBytes` so a misbehaving server cannot exhaust memory. */
export async function readBody(response: http.IncomingMessage, limitBytes = 256 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      response.destroy();
      throw new ClusterError(`response body larger than ${limitBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The error code of a network failure (`ECONNRESET`, …), when it has one. */
export function errorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

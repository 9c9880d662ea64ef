// A small HTTPS client for the e2e tests: the aggregated API, the export
// server and the upload proxy all need a private CA, which fetch() cannot take.

import { request } from 'node:https';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** PEM CA to trust. */
  ca?: string | Buffer;
  /** Extra TLS options (client certificate, servername...). */
  tls?: { cert?: string | Buffer; key?: string | Buffer; servername?: string };
}

export function httpsRequest(url: string, options: HttpOptions = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, ca: options.ca, ...options.tls },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${options.method ?? 'GET'} ${url}`)));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

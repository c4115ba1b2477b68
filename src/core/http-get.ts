// GET a route URL the way a browser would: `*.localhost` resolves to
// loopback (browsers and curl do this; Node's resolver does not everywhere).
import http from 'node:http';
import https from 'node:https';

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function httpGet(url: string, opts: { headers?: Record<string, string>; timeoutMs?: number; insecure?: boolean } = {}): Promise<SimpleResponse> {
  const u = new URL(url);
  const local = u.hostname === 'localhost' || u.hostname.endsWith('.localhost');
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: local ? '127.0.0.1' : u.hostname,
        port: u.port || (u.protocol === 'https:' ? 443 : 80),
        path: u.pathname + u.search,
        method: 'GET',
        headers: { host: u.host, ...opts.headers },
        timeout: opts.timeoutMs ?? 10_000,
        rejectUnauthorized: !opts.insecure,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

// A small fetch over node:http(s). Node's global fetch cannot turn TLS
// verification off for one target without bundling undici (~500 KB, twice:
// in the CLI and in the extension's core), and `--skip-ssl-validation` must
// apply to one target only, so requests go through per-mode keep-alive agents.
import dns from 'node:dns';
import http from 'node:http';
import type { LookupFunction } from 'node:net';
import https from 'node:https';
import { Readable } from 'node:stream';

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  /** A string/Buffer, or a FormData streamed as multipart (global FormData + Blob, e.g. from fs.openAsBlob). */
  body?: string | Buffer | FormData;
  insecure?: boolean;
  signal?: AbortSignal;
  /** Follow up to this many redirects (GET only). */
  redirects?: number;
  /** Give up when no response head arrived in this time. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: { get(name: string): string | null };
  /** The body as a node stream (read it once: text(), json() or body). */
  body: http.IncomingMessage;
  text(): Promise<string>;
  json(): Promise<any>;
}

const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
  insecure: new https.Agent({ keepAlive: true, rejectUnauthorized: false }),
};

/**
 * `*.localhost` is loopback, as browsers and curl resolve it (RFC 6761) and
 * Node's resolver does not everywhere: app routes on the local foundation.
 */
const localhostLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    const all = (options as { all?: boolean }).all;
    if (all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4);
    return;
  }
  dns.lookup(hostname, options, callback as (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void);
};

export async function httpFetch(url: string, init: HttpInit = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const headers: Record<string, string> = { ...init.headers };
  let body: Readable | Buffer | undefined;
  if (typeof FormData !== 'undefined' && init.body instanceof FormData) {
    // Response serialises FormData (boundary included) as a stream, without buffering files.
    const r = new Response(init.body);
    headers['content-type'] = r.headers.get('content-type')!;
    body = Readable.fromWeb(r.body as import('node:stream/web').ReadableStream);
  } else if (init.body !== undefined) {
    body = Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body as string);
    headers['content-length'] = String(body.length);
  }
  const secure = u.protocol === 'https:';
  const mod = secure ? https : http;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: init.method ?? 'GET',
        headers,
        agent: secure ? (init.insecure ? agents.insecure : agents.https) : agents.http,
        signal: init.signal,
        lookup: localhostLookup,
        timeout: init.timeoutMs,
      },
      resolve,
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)));
    // Same shape as fetch's network errors: the system error is the cause.
    req.on('error', (err) => reject(Object.assign(new Error(`request to ${u.origin} failed: ${err.message}`), { cause: err })));
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
  const status = res.statusCode ?? 0;
  const location = res.headers.location;
  if ((init.redirects ?? 0) > 0 && status >= 300 && status < 400 && location && (init.method ?? 'GET') === 'GET') {
    res.resume();
    const next = new URL(location, u);
    // As fetch does: credentials are not sent on to another origin (e.g. a blobstore's signed URL).
    const nextHeaders = { ...init.headers };
    if (next.origin !== u.origin) for (const k of Object.keys(nextHeaders)) if (k.toLowerCase() === 'authorization') delete nextHeaders[k];
    return httpFetch(next.toString(), { ...init, headers: nextHeaders, redirects: init.redirects! - 1 });
  }
  const text = async () => {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  return {
    status,
    statusText: res.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    headers: {
      get: (name) => {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    body: res,
    text,
    json: async () => JSON.parse(await text()),
  };
}

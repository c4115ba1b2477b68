// A small fetch over node:http(s). Node's global fetch cannot turn TLS
// verification off for one target without bundling undici (~500 KB, twice:
// in the CLI and in the extension's core), and `--skip-ssl-validation` must
// apply to one target only, so requests go through per-mode keep-alive agents.
import dns from 'node:dns';
import http from 'node:http';
import type { LookupFunction } from 'node:net';
import type https from 'node:https';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { userAgent } from './user-agent';

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

const httpAgent = new http.Agent({ keepAlive: true });

/** https (and tls with it) is loaded at the first https request: ~1 MB of RSS that a local foundation never needs. */
let secureParts: Promise<{ https: typeof https; verified: https.Agent; insecure: https.Agent }> | undefined;
function secure() {
  return (secureParts ??= import('node:https').then((m) => {
    const mod = (m.default ?? m) as typeof https;
    return { https: mod, verified: new mod.Agent({ keepAlive: true }), insecure: new mod.Agent({ keepAlive: true, rejectUnauthorized: false }) };
  }));
}

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
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent')) headers['user-agent'] = userAgent();
  let body: Readable | Buffer | undefined;
  // Told apart without reading the global FormData: its first read loads node's
  // fetch (undici), ~10 MB of RSS for good in a daemon that never sends a form.
  if (typeof init.body === 'object' && !Buffer.isBuffer(init.body)) {
    const m = multipart(init.body);
    headers['content-type'] = m.contentType;
    headers['content-length'] = String(m.length);
    body = m.body;
  } else if (init.body !== undefined) {
    body = Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body as string);
    headers['content-length'] = String(body.length);
  }
  const tls = u.protocol === 'https:' ? await secure() : undefined;
  const request = tls ? tls.https.request : http.request;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = request(
      u,
      {
        method: init.method ?? 'GET',
        headers,
        agent: tls ? (init.insecure ? tls.insecure : tls.verified) : httpAgent,
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

/**
 * FormData as multipart/form-data (RFC 7578) with its length known before
 * sending: CC's upload route sits behind nginx's upload module, which does
 * not take a chunked multipart body, and the cf CLI sends a Content-Length.
 * Files (fs.openAsBlob) are streamed, not buffered; their sizes give the
 * length. Written here because Response(form) streams with no length, and
 * the form-data package takes node streams whose lengths it must be told.
 */
export function multipart(form: FormData): { body: Readable; length: number; contentType: string } {
  const boundary = `----cfpush-${randomBytes(16).toString('hex')}`;
  const quote = (s: string) => s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const parts: (Buffer | Blob)[] = [];
  for (const [name, value] of form) {
    if (typeof value === 'string') {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`));
    } else {
      const file = value as File;
      parts.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"; filename="${quote(file.name || 'blob')}"\r\n` +
            `Content-Type: ${file.type || 'application/octet-stream'}\r\n\r\n`,
        ),
        file,
        Buffer.from('\r\n'),
      );
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const length = parts.reduce((n, p) => n + (Buffer.isBuffer(p) ? p.length : p.size), 0);
  async function* chunks() {
    for (const p of parts) {
      if (Buffer.isBuffer(p)) yield p;
      else for await (const c of p.stream() as unknown as AsyncIterable<Uint8Array>) yield c;
    }
  }
  return { body: Readable.from(chunks(), { objectMode: false }), length, contentType: `multipart/form-data; boundary=${boundary}` };
}

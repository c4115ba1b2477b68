// A gorouter stand-in (cf-reference.md §6): Host (+ longest path prefix) →
// round-robin over RUNNING instances, gorouter's error bodies and headers,
// WebSocket upgrades piped through. The table is rebuilt off the request path
// and swapped in one assignment, so a request sees the old or the new table.
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Foundation } from './context';
import type { Endpoint } from './supervisor';

interface Pool {
  path: string;
  endpoints: Endpoint[];
  next: number;
}

type Table = Map<string, Pool[]>;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export class Router {
  private table: Table = new Map();
  private pending = false;
  readonly server: Server;
  // Keep-alive to backends: without it every request pays a TCP handshake.
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256, timeout: 60_000 });

  constructor(private readonly f: Foundation) {
    this.server = createServer({ keepAlive: true } as never, (req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  /** Coalesces bursts of route/instance changes into one rebuild. */
  rebuild(): void {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      this.table = this.build();
    });
  }

  /** Rebuilds right now (tests and startup). */
  rebuildNow(): void {
    this.table = this.build();
  }

  private build(): Table {
    const { store, supervisor } = this.f;
    const table: Table = new Map();
    for (const r of store.list('routes')) {
      const domain = store.get('domains', r.domain_guid);
      if (!domain) continue;
      const host = (r.host ? `${r.host}.${domain.name}` : domain.name).toLowerCase();
      const endpoints = r.destinations.flatMap((d) => supervisor.endpoints(d.app_guid, d.process_type));
      const pools = table.get(host) ?? [];
      pools.push({ path: r.path, endpoints, next: 0 });
      table.set(host, pools);
    }
    for (const pools of table.values()) pools.sort((a, b) => b.path.length - a.path.length);
    return table;
  }

  private lookup(hostHeader: string, url: string): Pool | undefined {
    const host = hostHeader.replace(/:\d+$/, '').toLowerCase();
    const pools = this.table.get(host);
    if (!pools) return undefined;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    return pools.find((p) => p.path === '' || path === p.path || path.startsWith(p.path + '/'));
  }

  private pick(pool: Pool): Endpoint | undefined {
    if (pool.endpoints.length === 0) return undefined;
    const e = pool.endpoints[pool.next % pool.endpoints.length]!;
    pool.next = (pool.next + 1) % pool.endpoints.length;
    return e;
  }

  /** Raw header list for the backend: the client's (minus hop-by-hop) plus gorouter's. Arrays avoid object churn per request. */
  private forwardHeaders(req: IncomingMessage, e: Endpoint): string[] {
    const raw = req.rawHeaders;
    const out: string[] = [];
    let xff: string | undefined;
    let proto = false;
    let start = false;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!;
      const lk = k.toLowerCase();
      if (HOP_BY_HOP.has(lk)) continue;
      if (lk === 'x-forwarded-for') {
        xff = xff ? `${xff}, ${raw[i + 1]}` : raw[i + 1];
        continue;
      }
      if (lk === 'x-forwarded-proto') proto = true;
      else if (lk === 'x-request-start') start = true;
      else if (lk === 'x-vcap-request-id' || lk.startsWith('x-cf-')) continue;
      out.push(k, raw[i + 1]!);
    }
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    out.push('X-Forwarded-For', xff ? `${xff}, ${ip}` : ip);
    if (!proto) out.push('X-Forwarded-Proto', 'http');
    if (!start) out.push('X-Request-Start', String(Date.now()));
    out.push('X-Vcap-Request-Id', randomUUID(), 'X-CF-ApplicationID', e.appGuid, 'X-CF-InstanceIndex', String(e.index), 'X-CF-InstanceID', e.instanceGuid);
    return out;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const hostHeader = req.headers.host ?? '';
    if (!hostHeader) return routerError(res, 400, 'Request had empty Host header', 'empty_host');
    const pool = this.lookup(hostHeader, req.url ?? '/');
    const first = pool && this.pick(pool);
    if (!pool || !first) return routerError(res, 404, `Requested route ('${hostHeader}') does not exist.`, 'unknown_route');
    const bodyless = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || req.headers['content-length'] === '0';
    this.forward(req, res, pool, first, bodyless ? pool.endpoints.length : 1, false);
  }

  /**
   * Sends one attempt; a refused connection (or a reused keep-alive socket
   * the backend just closed) is retried elsewhere when the request has no body.
   */
  private forward(req: IncomingMessage, res: ServerResponse, pool: Pool, e: Endpoint, triesLeft: number, retriedReset: boolean): void {
    const proxyReq = request(
      { host: '127.0.0.1', port: e.port, method: req.method, path: req.url, headers: this.forwardHeaders(req, e), agent: this.agent },
      (proxyRes) => {
        const raw = proxyRes.rawHeaders;
        const headers: string[] = [];
        for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!);
        res.writeHead(proxyRes.statusCode ?? 502, headers);
        proxyRes.pipe(res);
        proxyRes.on('error', () => res.destroy());
      },
    );
    proxyReq.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      if (err.code === 'ECONNRESET' && proxyReq.reusedSocket && !retriedReset && triesLeft > 0) {
        return this.forward(req, res, pool, e, triesLeft, true);
      }
      if (err.code === 'ECONNREFUSED' && triesLeft > 1) {
        const next = this.pick(pool);
        if (next) return this.forward(req, res, pool, next, triesLeft - 1, retriedReset);
      }
      routerError(res, 502, 'Registered endpoint failed to handle the request.', `endpoint_failure (${err.code ?? err.message})`);
    });
    res.on('close', () => {
      if (!res.writableFinished) proxyReq.destroy();
    });
    if (req.readableEnded) proxyReq.end();
    else req.pipe(proxyReq);
  }

  /** WebSockets: same lookup, then the raw upgrade request and bytes piped both ways (no timeout). */
  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const hostHeader = req.headers.host ?? '';
    const pool = hostHeader ? this.lookup(hostHeader, req.url ?? '/') : undefined;
    const e = pool && this.pick(pool);
    if (!e) return rawError(socket, 404, `Requested route ('${hostHeader}') does not exist.`, 'unknown_route');
    const headers = this.forwardHeaders(req, e);
    headers.push('Connection', 'Upgrade', 'Upgrade', String(req.headers.upgrade));
    const backend = connect({ host: '127.0.0.1', port: e.port });
    let piped = false;
    backend.once('connect', () => {
      piped = true;
      let head0 = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < headers.length; i += 2) head0 += `${headers[i]}: ${headers[i + 1]}\r\n`;
      backend.write(head0 + '\r\n');
      if (head.length) backend.write(head);
      socket.pipe(backend).pipe(socket);
    });
    backend.on('error', (err: NodeJS.ErrnoException) => {
      if (!piped) rawError(socket, 502, 'Registered endpoint failed to handle the request.', `endpoint_failure (${err.code ?? err.message})`);
      else socket.destroy();
    });
    socket.on('error', () => backend.destroy());
    socket.on('close', () => backend.destroy());
    backend.on('close', () => socket.destroy());
  }

  close(): void {
    this.agent.destroy();
  }
}

function errorHeaders(body: string, routerError: string): Record<string, string> {
  return {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'x-cf-routererror': routerError,
    'cache-control': 'no-cache, no-store',
    'content-length': String(Buffer.byteLength(body)),
  };
}

/** gorouter's error bodies: "<code> <StatusText>: <message>\n". */
function routerError(res: ServerResponse, status: number, message: string, routerErr: string): void {
  const body = `${status} ${STATUS_CODES[status]}: ${message}\n`;
  res.writeHead(status, errorHeaders(body, routerErr));
  res.end(body);
}

function rawError(socket: Socket, status: number, message: string, routerErr: string): void {
  const body = `${status} ${STATUS_CODES[status]}: ${message}\n`;
  const h = Object.entries(errorHeaders(body, routerErr)).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${h}connection: close\r\n\r\n${body}`);
}

// A gorouter stand-in (cf-reference.md §6): lower-cased Host (port stripped)
// + longest path prefix → round-robin over RUNNING instances, gorouter's error
// bodies and headers, X-CF-APP-INSTANCE pinning, forwarded headers, retries
// only when safe, WebSocket upgrades tunnelled without a timeout.
//
// Performance: the proxy speaks HTTP/1.x on the sockets itself
// (wire.ts) instead of node's http server + client. Each request is
// still parsed, routed, rewritten and answered on its own (a fresh request id,
// round-robin per request, per-request retries and errors); only the
// IncomingMessage / ServerResponse / ClientRequest objects and stream piping
// per request are gone, which is what made the router cost 3-4× a node app
// per request (docs/benchmarks.md, "Router throughput").
//
// The route table (rebuilt off the request path) is in route-table.ts.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Foundation } from '../context';
import { logError } from '../log';
import type { AccessRecord } from '../logs';
import { trafficOf, type TrafficCounters } from '../traffic';
import { ChunkScanner } from './chunked';
import { BAD_REQUEST, endpointFailure, errorResponse, goError, TOO_LARGE } from './errors';
import { forwardHead, type Forwarded } from './headers';
import { RouteTable, type Pool, type RouteEndpoint } from './route-table';
import { classifyClose, Failure, replayable } from './retry';
import { bodyless, MAX_HEAD, parseRequestHead, parseResponseHead, type RequestHead, type ResponseHead } from './wire';

export interface RouterOptions {
  /** gorouter endpoint_timeout: time for a backend to start answering (not for upgrades). */
  endpointTimeoutMs?: number;
  /** How long a failed endpoint is skipped (gorouter: droplet_stale_threshold / 4 = 30 s). */
  failedCooldownMs?: number;
  /** gorouter backends.max_attempts. */
  maxAttempts?: number;
  /** Idle client keep-alive (gorouter frontend_idle_timeout: 900 s; ours is smaller). */
  keepAliveMs?: number;
  /** Idle backend connections are closed after this (below node's 5 s keepAliveTimeout, so we close first). */
  backendIdleMs?: number;
  /**
   * Most bodiless requests for one instance that may share a backend write
   * (pipelined); 1 turns coalescing off. See Router.flush and docs/benchmarks.md.
   */
  pipeline?: number;
}

function noop(): void {}

export class Router {
  readonly server: Server;
  readonly o: Required<RouterOptions>;
  private readonly clients = new Set<ClientConn>();
  private readonly idle = new Map<number, BackendConn[]>();
  private idleCount = 0;
  readonly inflight = new Set<Exchange>();
  private sweeper: NodeJS.Timeout | undefined;
  /** Bodiless requests routed during this event-loop turn, per backend port (see flush). */
  private outbox = new Map<number, Exchange[]>();
  private flushing = false;
  private readonly flushNow = () => this.flush();
  /** Per-app / per-instance request counters and route-move markers (traffic.ts, issue 7). */
  readonly traffic: TrafficCounters;
  /** Host + path → instances, round-robin, failed-endpoint marks. */
  readonly routes: RouteTable;

  constructor(
    private readonly f: Foundation,
    opts: RouterOptions = {},
  ) {
    this.traffic = trafficOf(f);
    this.o = { endpointTimeoutMs: 60_000, failedCooldownMs: 30_000, maxAttempts: 3, keepAliveMs: 65_000, backendIdleMs: 4_000, pipeline: 8, ...opts };
    this.routes = new RouteTable(f, this.traffic, this.o);
    // An http.Server so the foundation can listen / close it like the API
    // server, but every connection is served by ClientConn, not node's parser.
    const server = createServer();
    server.removeAllListeners('connection');
    server.on('connection', (s: Socket) => this.accept(s));
    const closeAll = server.closeAllConnections.bind(server);
    server.closeAllConnections = () => {
      closeAll();
      for (const c of this.clients) c.s.destroy();
    };
    server.closeIdleConnections = () => {
      for (const c of this.clients) if (!c.ex && !c.tunnel) c.s.destroy();
    };
    this.server = server;
  }

  /** Coalesces bursts of route/instance changes into one rebuild. */
  rebuild(): void {
    this.routes.rebuild();
  }

  /** Rebuilds right now (tests and startup). */
  rebuildNow(): void {
    this.routes.rebuildNow();
  }

  private accept(s: Socket): void {
    const c = new ClientConn(this, s);
    this.clients.add(c);
    s.once('close', () => this.clients.delete(c));
  }

  enqueue(ex: Exchange): void {
    const port = ex.port;
    const list = this.outbox.get(port);
    if (list) list.push(ex);
    else this.outbox.set(port, [ex]);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(this.flushNow);
    }
  }

  /**
   * Sends what the event-loop turn routed. A lone request takes an idle
   * connection as usual; several for the same instance share connections, up
   * to `pipeline` per write, pipelined (RFC 9112 §9.3). Batches only go to idle or
   * new connections, never behind requests already in flight, so a slow
   * request can delay at most the few that arrived in the same turn.
   */
  private flush(): void {
    this.flushing = false;
    const box = this.outbox;
    if (box.size === 0) return;
    this.outbox = new Map();
    for (const [port, list] of box) {
      const n = list.length;
      // Spread over as many connections as keeps each batch ≤ pipeline, evenly.
      const conns = Math.ceil(n / this.o.pipeline);
      const per = Math.ceil(n / conns);
      for (let i = 0; i < n; i += per) {
        const batch = n === 1 ? list : list.slice(i, i + per);
        const idle = this.takeIdle(port, this.o.backendIdleMs);
        const bc = idle ?? new BackendConn(this, port);
        for (const ex of batch) {
          ex.bc = bc;
          bc.queue.push(ex);
        }
        if (idle) bc.writeHeads(batch);
      }
    }
  }

  /** An idle keep-alive connection to `port`, if there is one (newest first). */
  takeIdle(port: number, maxIdleMs: number): BackendConn | undefined {
    const list = this.idle.get(port);
    if (!list) return undefined;
    const now = Date.now();
    while (list.length) {
      const b = list.pop()!;
      this.idleCount--;
      if (b.s.destroyed) continue;
      if (now - b.idleSince > maxIdleMs) {
        b.s.destroy();
        continue;
      }
      return b;
    }
    return undefined;
  }

  release(b: BackendConn): void {
    b.reused = true;
    b.idleSince = Date.now();
    let list = this.idle.get(b.port);
    if (!list) this.idle.set(b.port, (list = []));
    list.push(b);
    this.idleCount++;
    this.armSweeper();
  }

  dropIdle(b: BackendConn): void {
    const list = this.idle.get(b.port);
    const i = list ? list.indexOf(b) : -1;
    if (i >= 0) {
      list!.splice(i, 1);
      this.idleCount--;
    }
  }

  /** A 1 s sweep that only runs while something is idle or in flight, so an idle router costs no wakeups. */
  armSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = Date.now();
    const maxIdle = this.o.backendIdleMs;
    for (const [port, list] of this.idle) {
      for (let i = list.length - 1; i >= 0; i--) {
        const b = list[i]!;
        if (b.s.destroyed || now - b.idleSince > maxIdle) {
          list.splice(i, 1);
          this.idleCount--;
          b.s.destroy();
        }
      }
      if (!list.length) this.idle.delete(port);
    }
    for (const ex of this.inflight) {
      if (now - ex.startMs > this.o.endpointTimeoutMs) ex.timeout();
    }
    if (this.idleCount === 0 && this.inflight.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** An RTR access line in the app's log stream (logs.ts formats it the gorouter way). */
  access(rec: AccessRecord): void {
    this.f.logs.access(rec);
  }

  close(): void {
    for (const c of this.clients) c.s.destroy();
    for (const list of this.idle.values()) for (const b of list) b.s.destroy();
    this.idle.clear();
    this.idleCount = 0;
    for (const ex of this.inflight) ex.bc?.s.destroy();
    this.outbox.clear();
    this.inflight.clear();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

/** A client connection: parses requests one at a time and runs an Exchange for each. */
class ClientConn {
  buf: Buffer | null = null;
  ex: Exchange | null = null;
  tunnel: BackendConn | null = null;
  /** Close once the current response is written. */
  closing = false;
  readonly ip: string;
  private paused = false;

  constructor(
    readonly r: Router,
    readonly s: Socket,
  ) {
    const ra = s.remoteAddress ?? '';
    this.ip = ra.startsWith('::ffff:') ? ra.slice(7) : ra;
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => {
      // One connection's bad bytes end that connection, never the router.
      try {
        this.onData(d);
      } catch (err) {
        logError(`router: client ${this.ip}`, err);
        s.destroy();
      }
    });
    s.on('error', noop);
    s.on('close', () => this.onClose());
    s.setTimeout(r.o.keepAliveMs, () => {
      if (!this.ex && !this.tunnel) s.destroy();
    });
  }

  private onData(d: Buffer): void {
    const ex = this.ex;
    if (ex && ex.reqLeft !== 0) {
      const used = ex.clientBody(d, 0);
      if (used < d.length) this.append(d.subarray(used));
      return;
    }
    this.append(d);
    if (!ex) this.next();
  }

  private append(d: Buffer): void {
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    // Pipelined requests wait while one is in flight; don't buffer without bound.
    if (this.ex && this.buf.length > MAX_HEAD && !this.paused) {
      this.paused = true;
      this.s.pause();
    }
  }

  /** Parses and starts the next buffered request, answering router errors inline. */
  next(): void {
    if (this.paused) {
      this.paused = false;
      this.s.resume();
    }
    while (!this.ex && !this.tunnel && !this.closing && this.buf) {
      const buf = this.buf;
      let start = 0;
      while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
      const end = buf.indexOf('\r\n\r\n', start, 'latin1');
      if (end < 0) {
        if (buf.length - start > MAX_HEAD) return this.fatal(TOO_LARGE);
        if (start) this.buf = start < buf.length ? buf.subarray(start) : null;
        return;
      }
      if (end - start > MAX_HEAD) return this.fatal(TOO_LARGE);
      const req = parseRequestHead(buf.toString('latin1', start, end));
      const rest = end + 4;
      this.buf = rest < buf.length ? buf.subarray(rest) : null;
      if (req === 'bad') return this.fatal(BAD_REQUEST);
      const d = this.r.routes.route(req, this.ip);
      if ('status' in d) {
        this.r.traffic.unrouted(req.host, d.status); // issue 7: answered by the router, no app reached
        // The request's body (if any) is not read: close rather than parse it as a request.
        const close = req.close || req.contentLength > 0 || req.chunked;
        this.s.write(errorResponse(d, close), 'latin1');
        if (close) return this.fatal('');
        continue;
      }
      const ex = new Exchange(this, req, d.pool, d.endpoint, d.pinned);
      this.ex = ex;
      let b = this.buf;
      this.buf = null;
      if (b && ex.reqLeft !== 0) {
        const used = ex.clientBody(b, 0);
        b = used < b.length ? b.subarray(used) : null;
      }
      this.buf = b;
      ex.send();
    }
  }

  /** Writes a final response (if any) and closes. */
  fatal(raw: string): void {
    this.closing = true;
    this.buf = null;
    if (raw) this.s.end(raw, 'latin1');
    else this.s.end();
  }

  /** The exchange is over; go on with the next request or close. */
  done(close: boolean): void {
    this.ex = null;
    if (close || this.closing) return this.fatal('');
    if (this.buf) this.next();
    else if (this.paused) {
      this.paused = false;
      this.s.resume();
    }
  }

  private onClose(): void {
    this.closing = true;
    this.ex?.clientGone();
    this.tunnel?.s.destroy();
  }
}

/** A keep-alive connection to one backend port. */
class BackendConn {
  /** Exchanges written on this connection, answered in order (more than one only for a coalesced batch). */
  readonly queue: Exchange[] = [];
  idleSince = 0;
  connected = false;
  /** Served a request before (a keep-alive socket the backend may have just closed). */
  reused = false;
  err: NodeJS.ErrnoException | undefined;
  readonly s: Socket;

  constructor(
    readonly r: Router,
    readonly port: number,
  ) {
    this.s = connect({ host: '127.0.0.1', port });
    this.s.setNoDelay(true);
    this.s.on('connect', () => {
      this.connected = true;
      this.writeHeads(this.queue);
    });
    this.s.on('data', (d: Buffer) => {
      try {
        this.onData(d);
      } catch (err) {
        logError(`router: backend port ${port}`, err);
        this.s.destroy();
      }
    });
    this.s.on('error', (err: NodeJS.ErrnoException) => {
      this.err ??= err;
    });
    this.s.on('close', () => {
      if (!this.queue.length) return this.r.dropIdle(this);
      const q = this.queue.splice(0);
      for (let i = 0; i < q.length; i++) q[i]!.backendGone(this, i > 0);
    });
  }

  /** Heads of a batch go out in one write; a lone request's held body follows in the same writev. */
  writeHeads(exs: Exchange[]): void {
    if (exs.length === 1) return exs[0]!.writeTo(this.s);
    let out = '';
    for (const ex of exs) out += ex.wire();
    this.s.write(out, 'latin1');
  }

  private onData(d: Buffer): void {
    let from = 0;
    while (from < d.length) {
      const ex = this.queue[0];
      if (!ex) {
        // Bytes nobody asked for: never reuse this connection.
        this.s.destroy();
        return;
      }
      from = ex.consume(d, from);
      if (this.s.destroyed) return;
    }
  }
}

const enum Res {
  Head,
  Body,
  Done,
}

/** One request / response through the router. */
class Exchange implements Forwarded {
  /** Request body bytes still to come: n, -1 (chunked, not ended yet) or 0. */
  reqLeft: number;
  private readonly reqScanner: ChunkScanner | null;
  private readonly head: string;
  /** Body bytes held until a new backend connection is up (so a dial failure can be retried). */
  private held: Buffer[] | null = null;
  private bodySent = false;
  bc: BackendConn | null = null;
  private tried: RouteEndpoint[] | null = null;
  private attempts = 0;
  private res = Res.Head;
  private resBuf: Buffer | null = null;
  private resLeft = 0;
  private resScanner: ChunkScanner | null = null;
  private untilClose = false;
  private resClose = false;
  private wroteToClient = false;
  private status = 0;
  private bytesSent = 0;
  private bytesReceived = 0;
  private readonly requestId: string;
  xff!: string;
  proto = 'http';
  readonly startMs = Date.now();
  private finished = false;
  /** The client left while this request shares a backend connection: read its response, drop it. */
  private orphan = false;
  /** GET/HEAD/OPTIONS without a body: may share a backend write with other such requests. */
  readonly batchable: boolean;

  constructor(
    private readonly c: ClientConn,
    private readonly req: RequestHead,
    private readonly pool: Pool,
    private endpoint: RouteEndpoint,
    private readonly pinned: boolean,
  ) {
    this.reqLeft = req.chunked ? -1 : req.contentLength > 0 ? req.contentLength : 0;
    this.reqScanner = req.chunked ? new ChunkScanner() : null;
    this.batchable = this.reqLeft === 0 && !req.upgrade && (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS');
    this.requestId = randomUUID();
    // The part of the backend head that does not depend on the instance.
    this.head = forwardHead(req, c.ip, this.startMs, this.requestId, this);
    if (!req.upgrade) {
      c.r.inflight.add(this);
      c.r.armSweeper();
    }
  }

  get port(): number {
    return this.endpoint.port;
  }

  /** The backend request head for the current endpoint. */
  wire(): string {
    return this.head + this.endpoint.tail;
  }

  /**
   * Bodiless GET/HEAD/OPTIONS wait for the end of this event-loop turn and go
   * out with the others for the same instance (Router.flush); anything else
   * takes an idle keep-alive connection or dials a new one for itself.
   */
  send(): void {
    this.attempts++;
    const r = this.c.r;
    if (this.batchable) return r.enqueue(this);
    // A request that must not be replayed only reuses recently active connections.
    const idle = r.takeIdle(this.endpoint.port, replayable(this.req) ? r.o.backendIdleMs : 1000);
    const bc = idle ?? new BackendConn(r, this.endpoint.port);
    bc.queue.push(this);
    this.bc = bc;
    if (idle) {
      idle.reused = true;
      this.writeTo(idle.s);
    }
  }

  /** Writes the head and any held body bytes. */
  writeTo(s: Socket): void {
    if (!this.held) {
      s.write(this.wire(), 'latin1');
      return;
    }
    s.cork();
    s.write(this.wire(), 'latin1');
    for (const b of this.held) s.write(b);
    this.held = null;
    this.bodySent = true;
    s.uncork();
  }

  /** Request body bytes from the client; returns how many belong to this request. */
  clientBody(d: Buffer, from: number): number {
    let used: number;
    if (this.reqLeft > 0) {
      used = Math.min(this.reqLeft, d.length - from);
      this.reqLeft -= used;
    } else {
      const end = this.reqScanner!.feed(d, from);
      if (end === -2) {
        this.c.fatal(BAD_REQUEST);
        this.abort();
        return d.length;
      }
      if (end >= 0) {
        used = end - from;
        this.reqLeft = 0;
      } else used = d.length - from;
    }
    if (used === 0) return from;
    const piece = from === 0 && used === d.length ? d : d.subarray(from, from + used);
    this.bytesReceived += used;
    const bc = this.bc;
    if (bc && bc.connected && !this.held) {
      this.bodySent = true;
      if (!bc.s.write(piece)) {
        this.c.s.pause();
        bc.s.once('drain', () => this.c.s.resume());
      }
    } else (this.held ??= []).push(piece);
    return from + used;
  }

  /** Response bytes from the backend, starting at `from`; returns where this response's bytes end. */
  consume(d: Buffer, from: number): number {
    if (this.res === Res.Body) return this.resBody(d, from);
    let buf = d;
    let at = from;
    if (this.resBuf) {
      buf = Buffer.concat([this.resBuf, d.subarray(from)]);
      at = 0;
      this.resBuf = null;
    }
    // Offsets in `buf` map back to `d` by this shift (0 unless a partial head was buffered).
    const shift = buf === d ? 0 : d.length - buf.length;
    for (;;) {
      const end = buf.indexOf('\r\n\r\n', at, 'latin1');
      if (end < 0) {
        if (buf.length - at > MAX_HEAD) {
          this.fail(undefined, 'response head too large');
          return d.length;
        }
        this.resBuf = Buffer.from(buf.subarray(at));
        return d.length;
      }
      const res = parseResponseHead(buf.toString('latin1', at, end));
      if (!res) {
        this.fail(undefined, 'malformed HTTP response');
        return d.length;
      }
      const rest = end + 4;
      this.status = res.status;
      if (res.status === 101 && this.req.upgrade) {
        this.upgraded(res, buf.subarray(rest));
        return d.length;
      }
      if (res.status >= 100 && res.status < 200) {
        // 100 Continue / 103 Early Hints: pass on, the final response follows.
        if (!this.orphan) this.c.s.write(res.out + '\r\n', 'latin1');
        this.wroteToClient = true;
        at = rest;
        if (at >= buf.length) return d.length;
        continue;
      }
      const endAt = this.resStart(res, buf, rest);
      return endAt + shift;
    }
  }

  /** Starts the response; returns the offset in `buf` where it ends (or buf.length). */
  private resStart(res: ResponseHead, buf: Buffer, rest: number): number {
    const s = this.c.s;
    this.res = Res.Body;
    this.resClose = res.close;
    if (bodyless(this.req.method, res.status)) this.resLeft = 0;
    else if (res.chunked) {
      this.resLeft = -1;
      this.resScanner = new ChunkScanner();
    } else if (res.contentLength >= 0) this.resLeft = res.contentLength;
    else {
      this.resLeft = -1;
      this.untilClose = true;
    }
    const closeClient = this.untilClose || this.req.close;
    const head = closeClient ? `${res.out}Connection: close\r\n\r\n` : `${res.out}\r\n`;
    this.wroteToClient = true;
    this.c.r.inflight.delete(this);
    if (this.resLeft === 0) {
      if (!this.orphan) s.write(head, 'latin1');
      this.finish();
      return rest;
    }
    if (this.orphan) return this.resBody(buf, rest);
    s.cork();
    s.write(head, 'latin1');
    const end = rest < buf.length ? this.resBody(buf, rest) : rest;
    s.uncork();
    return end;
  }

  private resBody(d: Buffer, from: number): number {
    let used: number;
    let ended = false;
    if (this.untilClose) used = d.length - from;
    else if (this.resScanner) {
      const end = this.resScanner.feed(d, from);
      if (end === -2) {
        this.fail(undefined, 'malformed chunked encoding');
        return d.length;
      }
      if (end >= 0) {
        used = end - from;
        ended = true;
      } else used = d.length - from;
    } else {
      used = Math.min(this.resLeft, d.length - from);
      this.resLeft -= used;
      ended = this.resLeft === 0;
    }
    if (used > 0 && !this.orphan) {
      this.bytesSent += used;
      const ok = this.c.s.write(from === 0 && used === d.length ? d : d.subarray(from, from + used));
      if (!ok && !ended && this.bc!.queue.length === 1) {
        const bs = this.bc!.s;
        bs.pause();
        this.c.s.once('drain', () => bs.resume());
      }
    }
    if (ended) this.finish();
    return from + used;
  }

  /** 101: from here on bytes flow both ways untouched, with no timeout. */
  private upgraded(res: ResponseHead, rest: Buffer): void {
    const c = this.c;
    const bc = this.bc!;
    this.finished = true;
    this.res = Res.Done;
    c.ex = null;
    c.tunnel = bc;
    bc.queue.length = 0;
    c.s.setTimeout(0);
    c.s.removeAllListeners('data');
    bc.s.removeAllListeners('data');
    bc.s.removeAllListeners('close');
    bc.s.on('close', () => c.s.destroy());
    c.s.write(res.out + '\r\n', 'latin1');
    if (rest.length) c.s.write(rest);
    if (c.buf) {
      bc.s.write(c.buf);
      c.buf = null;
    }
    c.s.pipe(bc.s);
    bc.s.pipe(c.s);
    this.log();
  }

  /** This response is complete: hand the connection on (next in the batch, the idle pool, or closed). */
  private finish(): void {
    if (this.finished && !this.orphan) return;
    const wasOrphan = this.orphan;
    this.finished = true;
    this.orphan = false;
    this.res = Res.Done;
    const r = this.c.r;
    r.inflight.delete(this);
    const bc = this.bc!;
    if (bc.queue[0] === this) bc.queue.shift();
    const reqDone = this.reqLeft === 0;
    if (this.resClose || this.untilClose || !reqDone || !bc.connected || bc.s.destroyed) bc.s.destroy();
    else if (bc.queue.length === 0) r.release(bc);
    if (wasOrphan) return;
    this.log();
    this.c.done(this.untilClose || this.req.close || !reqDone);
  }

  private log(): void {
    const req = this.req;
    let ua = '';
    let ref = '';
    for (let i = 0; i < req.lower.length; i++) {
      const k = req.lower[i];
      if (k === 'user-agent') ua = req.values[i]!;
      else if (k === 'referer') ref = req.values[i]!;
    }
    const e = this.endpoint;
    const now = Date.now();
    e.counter?.count(this.status, now); // issue 7: a few integer ops in the instance's preallocated slot
    this.c.r.access({
      appGuid: e.appGuid,
      index: e.index,
      host: req.host,
      method: req.method,
      path: req.target,
      protocol: `HTTP/1.${req.minor}`,
      status: this.status,
      bytesReceived: this.bytesReceived,
      bytesSent: this.bytesSent,
      userAgent: ua,
      referer: ref,
      remoteAddr: this.c.ip,
      backendAddr: `127.0.0.1:${e.port}`,
      xForwardedFor: this.xff,
      xForwardedProto: this.proto,
      instanceId: e.instanceGuid,
      routerError: this.status === 502 ? 'endpoint_failure' : undefined,
      requestId: this.requestId,
      startMs: this.startMs,
      durationMs: now - this.startMs,
    });
  }

  /**
   * The backend connection closed while this exchange was on it. `behind`:
   * an earlier request of the same batch was still being answered, so this
   * one never reached the front (an EOF for it, never a sign of a bad endpoint).
   */
  backendGone(bc: BackendConn, behind: boolean): void {
    if (bc !== this.bc) return;
    if (this.orphan) {
      this.orphan = false;
      this.finished = true;
      this.c.r.inflight.delete(this);
      return;
    }
    if (this.finished) return;
    if (this.res === Res.Body && this.untilClose && !bc.err) return this.finish();
    const err = behind ? undefined : bc.err;
    const r = this.c.r;
    if (!this.wroteToClient && this.res === Res.Head) {
      const f = classifyClose(bc.connected, bc.reused, behind, this.resBuf === null && !this.bodySent, this.req);
      if (f & Failure.MarkFailed) r.routes.markFailed(this.endpoint);
      if ((f & Failure.Retry) !== 0 && this.attempts < r.o.maxAttempts) {
        const next = this.retryTarget((f & Failure.SameEndpoint) !== 0);
        if (next) {
          this.endpoint = next;
          this.bc = null;
          // Body bytes held for a failed dial are still held; nothing else to rewind.
          return this.send();
        }
      }
      return this.fail(err, undefined, bc.connected);
    }
    // Mid-response: nothing sensible to tell the client but a cut connection.
    this.abort();
    this.c.s.destroy();
  }

  /** Another endpoint for a retry; the same one again only for a stale keep-alive socket. */
  private retryTarget(staleSocket: boolean): RouteEndpoint | undefined {
    if (this.pinned) return staleSocket ? this.endpoint : undefined;
    (this.tried ??= []).push(this.endpoint);
    const next = this.c.r.routes.pick(this.pool, this.tried);
    if (next) return next;
    return staleSocket ? this.endpoint : undefined;
  }

  /** 502 endpoint_failure before any response bytes went out; otherwise a cut connection. */
  private fail(err: NodeJS.ErrnoException | undefined, detail?: string, connected = true): void {
    if (this.finished) return;
    this.finished = true;
    this.res = Res.Done;
    this.c.r.inflight.delete(this);
    this.dropBackend();
    if (this.wroteToClient) {
      this.c.s.destroy();
      return;
    }
    this.status = 502;
    const close = this.req.close || this.reqLeft !== 0;
    this.c.s.write(errorResponse(endpointFailure(detail ?? goError(err, this.endpoint.port, connected)), close), 'latin1');
    this.log();
    this.c.done(close);
  }

  /** Leaves the backend connection: closes it (batch-mates are retried from its close). */
  private dropBackend(): void {
    const bc = this.bc;
    if (!bc) return;
    const i = bc.queue.indexOf(this);
    if (i >= 0) bc.queue.splice(i, 1);
    bc.s.destroy();
  }

  timeout(): void {
    if (this.res === Res.Head && !this.wroteToClient) this.fail(undefined, 'net/http: timeout awaiting response headers');
  }

  clientGone(): void {
    this.abort();
  }

  private abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.res = Res.Done;
    this.c.r.inflight.delete(this);
    const bc = this.bc;
    if (bc && bc.queue.length > 1 && bc.queue.includes(this)) {
      // Others wait on this connection: read this response to its end and drop it.
      this.orphan = true;
      return;
    }
    this.dropBackend();
  }
}

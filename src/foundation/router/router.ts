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
// One concern a file, as gorouter does it:
//   router.ts       this file: the server and its client connections, backend
//                   connections kept idle between requests or shared by the
//                   requests of one event-loop turn (flush), the 1 s sweep
//                   (idle connections, endpoint timeout)
//   route-table.ts  host + path → pool of instances, round-robin, failed
//                   endpoints, X-CF-APP-INSTANCE pinning
//   client-conn.ts, backend-conn.ts, exchange.ts
//                   the two sockets, and one request / response between them
//   headers.ts      what the router changes in a request head
//   retry.ts        which failures are retried, for which requests
//   errors.ts       the router's own answers (400, 404, 431, 502)
//   access-log.ts   RTR access lines and traffic counters
//   wire.ts, chunked.ts  HTTP/1.x head parsing, chunked-body delimiting
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Foundation } from '../context';
import type { AccessRecord } from '../logs';
import { trafficOf, type TrafficCounters } from '../traffic';
import { BackendConn } from './backend-conn';
import { ClientConn } from './client-conn';
import type { Exchange } from './exchange';
import { RouteTable } from './route-table';

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

/** The router: owns the listening server, the route table and the connections. */
export class Router {
  readonly server: Server;
  readonly o: Required<RouterOptions>;
  private readonly clients = new Set<ClientConn>();
  private readonly idle = new Map<number, BackendConn[]>();
  private idleCount = 0;
  /** Exchanges waiting for a response head (under the endpoint timeout); each is its client's `ex`. */
  waiting = 0;
  private sweeper: NodeJS.Timeout | undefined;
  /** Bodiless requests routed during this event-loop turn, per backend port (see flush). */
  private outbox = new Map<number, Exchange[]>();
  /** The other outbox, swapped in by flush: both maps and their lists are reused turn after turn. */
  private spareBox = new Map<number, Exchange[]>();
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
    this.outbox = this.spareBox;
    this.spareBox = box;
    for (const [port, list] of box) {
      const n = list.length;
      if (n === 0) {
        box.delete(port); // no request for this instance in the turn: forget it
        continue;
      }
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
      list.length = 0;
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
    if (this.waiting > 0) {
      for (const c of this.clients) {
        const ex = c.ex;
        // A debugged instance may sit at a breakpoint for as long as its developer looks: its request waits.
        if (ex && ex.waiting && now - ex.startMs > this.o.endpointTimeoutMs && !ex.endpoint.debugging) ex.timeout();
      }
    }
    if (this.idleCount === 0 && this.waiting === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** A record for access(), reused from a dropped line when there is one. */
  accessRecord(): AccessRecord {
    return this.f.logs.accessRecord();
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
    for (const c of this.clients) if (c.ex?.waiting) c.ex.bc?.s.destroy();
    this.outbox.clear();
    this.spareBox.clear();
    this.waiting = 0;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

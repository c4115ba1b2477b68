// The route table and load balancing (gorouter's registry and route/pool.go):
// lower-cased Host (port stripped) + longest path prefix → a pool of RUNNING
// instances, round-robin per request, endpoints that failed skipped for a
// while, and X-CF-APP-INSTANCE pinning to one instance. Each endpoint carries
// its X-Cf-* header lines and its traffic counter slot, made when the table is
// built rather than per request.
//
// The table is rebuilt off the request path and swapped in one assignment: a
// request routed before a swap finishes on the backend it was given.
import type { Foundation } from '../context';
import type { Endpoint } from '../supervisor';
import type { InstanceCounter, RouteView, TrafficCounters } from '../traffic';
import { BAD_PIN, EMPTY_HOST, unknownInstance, unknownRoute, type RouterErrorSpec } from './errors';
import { instanceHeaders } from './headers';
import type { RouterOptions } from './router';
import type { RequestHead } from './wire';

/** A routable instance with its gorouter headers pre-rendered. */
export interface RouteEndpoint extends Endpoint {
  /** X-Cf-Applicationid / -Instanceindex / -Instanceid lines + the blank line ending the head, as bytes. */
  tail: Buffer;
  /** "127.0.0.1:port", for access lines. */
  addr: string;
  /** Traffic counters (issue 7): this instance's preallocated slot, null when counting is off. */
  counter: InstanceCounter | null;
}

export interface Pool {
  host: string;
  path: string;
  endpoints: RouteEndpoint[];
  next: number;
}

type Table = Map<string, Pool[]>;

const PIN_RE = /^[\da-f]{8}-(?:[\da-f]{4}-){3}[\da-f]{12}:\d+$/;

/** gorouter's hostWithoutPort: everything before the first ':'. */
function stripPort(host: string): string {
  const i = host.indexOf(':');
  return i < 0 ? host : host.slice(0, i);
}

/** `a.b.c` → `*.b.c` → `*.c` → undefined (gorouter's Uri.NextWildcard). */
function nextWildcard(host: string): string | undefined {
  const rest = host.startsWith('*.') ? host.slice(2) : host;
  const dot = rest.indexOf('.');
  return dot < 0 ? undefined : `*${rest.slice(dot)}`;
}

/** Longest context path first; a path matches whole segments (`/api` matches `/api`, `/api/x`, `/api?q`, not `/apix`). */
function byPath(pools: Pool[], target: string): Pool | undefined {
  for (const p of pools) {
    const n = p.path.length;
    if (n === 0) return p;
    if (target.startsWith(p.path)) {
      const c = target.charCodeAt(n);
      if (Number.isNaN(c) || c === 47 /* / */ || c === 63 /* ? */) return p;
    }
  }
  return undefined;
}

export class RouteTable {
  private table: Table = new Map();
  private pending = false;
  /** Instance guid → until when it is skipped (markFailed). */
  private readonly failed = new Map<string, number>();

  constructor(
    private readonly f: Foundation,
    private readonly traffic: TrafficCounters,
    private readonly o: Required<RouterOptions>,
  ) {}

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
    // Traffic (issue 7): each endpoint gets its counter slot here, off the request path;
    // the routes' app sets feed the route-move markers.
    const traffic = this.traffic;
    const views: RouteView[] = [];
    const live = new Set<string>();
    for (const r of store.list('routes')) {
      const domain = store.get('domains', r.domain_guid);
      if (!domain) continue;
      const host = (r.host ? `${r.host}.${domain.name}` : domain.name).toLowerCase();
      const endpoints: RouteEndpoint[] = [];
      const apps: string[] = [];
      for (const d of r.destinations) {
        if (!apps.includes(d.app_guid)) apps.push(d.app_guid);
        for (const e of supervisor.endpoints(d.app_guid, d.process_type)) {
          const tail = Buffer.from(instanceHeaders(e), 'latin1');
          const counter = traffic.counter(e.appGuid, e.index);
          if (counter) live.add(counter.key);
          endpoints.push({ ...e, tail, addr: `127.0.0.1:${e.port}`, counter });
        }
      }
      views.push({ guid: r.guid, host, url: host + r.path, apps });
      const pools = table.get(host) ?? [];
      pools.push({ host, path: r.path, endpoints, next: 0 });
      table.set(host, pools);
    }
    traffic.tableBuilt(views, live);
    for (const pools of table.values()) pools.sort((a, b) => b.path.length - a.path.length);
    return table;
  }

  /**
   * The pool for a host and request target: the host's own routes, else a
   * wildcard route's (`*.domain`, then `*.parent`…, gorouter's NextWildcard),
   * which also serves a host whose own routes have no instance now.
   */
  private lookup(host: string, target: string): Pool | undefined {
    let pools = this.table.get(host);
    if (!pools) {
      const lower = host.toLowerCase();
      if (lower !== host) pools = this.table.get(lower);
      if (!pools) return this.wildcard(lower, target);
    }
    const own = byPath(pools, target);
    return own && own.endpoints.length > 0 ? own : (this.wildcard(host.toLowerCase(), target) ?? own);
  }

  private wildcard(host: string, target: string): Pool | undefined {
    for (let h = nextWildcard(host); h; h = nextWildcard(h)) {
      const pools = this.table.get(h);
      const p = pools && byPath(pools, target);
      if (p && p.endpoints.length > 0) return p;
    }
    return undefined;
  }

  private isFailed(e: RouteEndpoint, now: number): boolean {
    const until = this.failed.get(e.instanceGuid);
    if (until === undefined) return false;
    if (until > now) return true;
    this.failed.delete(e.instanceGuid);
    return false;
  }

  /** Marks an endpoint ineligible for failedCooldownMs (gorouter: dial / reset failures). */
  markFailed(e: RouteEndpoint): void {
    this.failed.set(e.instanceGuid, Date.now() + this.o.failedCooldownMs);
  }

  /** Round-robin, skipping failed endpoints and `tried`; if all are failed their marks reset (gorouter). */
  pick(pool: Pool, tried?: RouteEndpoint[]): RouteEndpoint | undefined {
    const eps = pool.endpoints;
    const n = eps.length;
    if (n === 0) return undefined;
    if (this.failed.size === 0 && !tried) {
      const e = eps[pool.next % n]!;
      pool.next = (pool.next + 1) % n;
      return e;
    }
    const now = Date.now();
    let fallback: RouteEndpoint | undefined;
    for (let k = 0; k < n; k++) {
      const i = (pool.next + k) % n;
      const e = eps[i]!;
      if (tried?.includes(e)) continue;
      if (this.isFailed(e, now)) {
        fallback ??= e;
        continue;
      }
      pool.next = (i + 1) % n;
      return e;
    }
    if (!fallback) return undefined;
    for (const e of eps) this.failed.delete(e.instanceGuid);
    pool.next = (eps.indexOf(fallback) + 1) % n;
    return fallback;
  }

  /** Host + path (+ X-CF-APP-INSTANCE) → a pool and an endpoint, or gorouter's error. */
  route(req: RequestHead, remoteIp: string): { pool: Pool; endpoint: RouteEndpoint; pinned: boolean } | RouterErrorSpec {
    const host = req.host;
    const bare = host && stripPort(host);
    if (!bare || bare === remoteIp) return EMPTY_HOST;
    const pin = req.pin;
    if (pin && !PIN_RE.test(pin)) return BAD_PIN;
    const pool = this.lookup(bare, req.target);
    if (pin) {
      const colon = pin.indexOf(':');
      const guid = pin.slice(0, colon);
      const idx = Number(pin.slice(colon + 1));
      const endpoint = pool?.endpoints.find((e) => e.appGuid === guid && e.index === idx);
      if (!pool || !endpoint) return unknownInstance(pin.slice(colon + 1), guid, host);
      return { pool, endpoint, pinned: true };
    }
    const endpoint = pool && this.pick(pool);
    if (!pool || !endpoint) return unknownRoute(host);
    return { pool, endpoint, pinned: false };
  }
}

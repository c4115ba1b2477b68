// Router traffic counters of the local foundation (issue 7): per app and per
// instance, requests and error responses in one-second buckets over a rolling
// window, plus a marker each time a route's destinations change. Read through
// `GET /x-cfpush/v1/traffic` (api/traffic.ts).
//
// Cost on the request path: the router gives every routable endpoint a
// preallocated InstanceCounter when it builds its table (off the request
// path); a finished request then does `counter.count(status, now)`: a divide,
// a modulo, a compare and one or two typed-array increments. No allocation,
// no map lookup. `CFPUSH_ROUTER_COUNTERS=0` turns counting off (the
// benchmark's baseline); markers are recorded either way (table builds only).
//
// Memory is bounded: each instance counter is a fixed ring of WINDOW_SECONDS
// buckets (~12 KB); counters of instances no longer routed are kept while
// they hold data in the window, at most MAX_IDLE_COUNTERS of them (oldest
// dropped first); router answers that reached no app (404 unknown route,
// 400 ...) are counted per Host for at most MAX_HOSTS hosts (the rest under
// OTHER_HOST); at most MAX_MARKERS markers are kept.
import {
  addSeries,
  BUCKET_MS,
  emptySeries,
  sumSeries,
  WINDOW_SECONDS,
  type AppRef,
  type AppTraffic,
  type HostTraffic,
  type RouteMarker,
  type Series,
  type Totals,
  type TrafficReport,
} from '../core/traffic/report';
import type { Foundation } from './context';

// The report's shapes are the API's contract, shared with the client: they live in core.
export { BUCKET_MS, WINDOW_SECONDS, type AppTraffic, type RouteMarker, type Series, type Totals, type TrafficReport };

export const MAX_IDLE_COUNTERS = 256;
export const MAX_HOSTS = 64;
export const MAX_MARKERS = 256;
export const OTHER_HOST = '(other)';

/** A fixed ring of per-second buckets: requests, 5xx (incl. router 502s), 4xx. */
export class InstanceCounter {
  /** Epoch second each bucket currently holds (-1: never used). */
  readonly sec = new Float64Array(WINDOW_SECONDS).fill(-1);
  readonly req = new Uint32Array(WINDOW_SECONDS);
  readonly e5 = new Uint32Array(WINDOW_SECONDS);
  readonly e4 = new Uint32Array(WINDOW_SECONDS);
  /** Epoch second of the last count (eviction order). */
  last = 0;

  constructor(
    readonly key: string,
    public label: string,
  ) {}

  /** The per-request hot path: keep it allocation-free. */
  count(status: number, nowMs: number): void {
    const s = Math.floor(nowMs / 1000);
    const i = s % WINDOW_SECONDS;
    if (this.sec[i] !== s) {
      this.sec[i] = s;
      this.req[i] = 0;
      this.e5[i] = 0;
      this.e4[i] = 0;
    }
    this.req[i]!++;
    if (status >= 500) this.e5[i]!++;
    else if (status >= 400) this.e4[i]!++;
    this.last = s;
  }

  /** Buckets for the seconds [fromSec, toSec) as three dense arrays. */
  series(fromSec: number, toSec: number): Series {
    const n = Math.max(0, toSec - fromSec);
    const out: Series = { requests: new Array<number>(n).fill(0), errors_5xx: new Array<number>(n).fill(0), errors_4xx: new Array<number>(n).fill(0) };
    for (let k = 0; k < n; k++) {
      const s = fromSec + k;
      const i = s % WINDOW_SECONDS;
      if (this.sec[i] !== s) continue;
      out.requests[k] = this.req[i]!;
      out.errors_5xx[k] = this.e5[i]!;
      out.errors_4xx[k] = this.e4[i]!;
    }
    return out;
  }
}

/** A route as the router table sees it, for marker diffs. */
export interface RouteView {
  guid: string;
  url: string;
  host: string;
  apps: string[];
}

export class TrafficCounters {
  /** Counting on the request path; markers are kept regardless. */
  readonly enabled: boolean;
  private readonly counters = new Map<string, InstanceCounter>();
  private readonly hosts = new Map<string, InstanceCounter>();
  private readonly markers: RouteMarker[] = [];
  /** Route guid → what it pointed at in the last table (undefined until the first build). */
  private routes: Map<string, RouteView> | undefined;
  /** Hosts each app was reachable on (now or during the window), for `unrouted`. */
  private readonly appHosts = new Map<string, Set<string>>();
  /** Last known name of each routed app (a deleted app's marker still names it). */
  private readonly names = new Map<string, string>();

  constructor(
    private readonly nameOf: (appGuid: string) => string | undefined = () => undefined,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.enabled = env.CFPUSH_ROUTER_COUNTERS !== '0' && env.CFPUSH_ROUTER_COUNTERS !== 'false';
  }

  /** The counter for one app instance (created at table build time, never per request). */
  counter(appGuid: string, index: number): InstanceCounter | null {
    if (!this.enabled) return null;
    const key = `${appGuid}/${index}`;
    let c = this.counters.get(key);
    if (!c) this.counters.set(key, (c = new InstanceCounter(key, this.nameOf(appGuid) ?? appGuid)));
    return c;
  }

  /** A request the router answered itself (no endpoint): counted per Host, bounded. Not the hot path. */
  unrouted(host: string, status: number, nowMs = Date.now()): void {
    if (!this.enabled) return;
    const h = (host || '-').toLowerCase();
    let c = this.hosts.get(h);
    if (!c) {
      // Up to MAX_HOSTS - 1 named hosts, then everything else under OTHER_HOST.
      if (this.hosts.size >= MAX_HOSTS - 1) this.pruneHosts(nowMs);
      const named = this.hosts.size - (this.hosts.has(OTHER_HOST) ? 1 : 0);
      const key = named < MAX_HOSTS - 1 ? h : OTHER_HOST;
      c = this.hosts.get(key);
      if (!c) this.hosts.set(key, (c = new InstanceCounter(key, key)));
    }
    c.count(status, nowMs);
  }

  private pruneHosts(nowMs: number): void {
    const oldest = Math.floor(nowMs / 1000) - WINDOW_SECONDS;
    for (const [h, c] of this.hosts) if (c.last < oldest && h !== OTHER_HOST) this.hosts.delete(h);
  }

  /**
   * The router built a new table: record a marker for each route whose set of
   * apps changed, and drop counters of instances that are no longer routed
   * and hold nothing in the window (or the oldest beyond MAX_IDLE_COUNTERS).
   */
  tableBuilt(routes: RouteView[], live: Set<string>, nowMs = Date.now()): void {
    const next = new Map<string, RouteView>();
    for (const r of routes) next.set(r.guid, r);
    const prev = this.routes;
    this.routes = next;
    if (prev) {
      const ref = (g: string): AppRef => ({ guid: g, name: this.nameOf(g) ?? this.names.get(g) ?? g });
      for (const r of routes) {
        const before = prev.get(r.guid)?.apps ?? [];
        const added = r.apps.filter((a) => !before.includes(a));
        const removed = before.filter((a) => !r.apps.includes(a));
        if (added.length || removed.length) this.mark({ time: nowMs, route_guid: r.guid, url: r.url, added: added.map(ref), removed: removed.map(ref) });
      }
      for (const [guid, r] of prev) {
        if (!next.has(guid) && r.apps.length) this.mark({ time: nowMs, route_guid: guid, url: r.url, added: [], removed: r.apps.map(ref) });
      }
    }
    for (const r of routes) {
      for (const a of r.apps) {
        this.hostOf(a).add(r.host);
        const name = this.nameOf(a);
        if (name) this.names.set(a, name);
      }
    }
    this.prune(live, nowMs);
  }

  private hostOf(app: string): Set<string> {
    let s = this.appHosts.get(app);
    if (!s) this.appHosts.set(app, (s = new Set()));
    return s;
  }

  private mark(m: RouteMarker): void {
    this.markers.push(m);
    if (this.markers.length > MAX_MARKERS) this.markers.splice(0, this.markers.length - MAX_MARKERS);
  }

  private prune(live: Set<string>, nowMs: number): void {
    const oldest = Math.floor(nowMs / 1000) - WINDOW_SECONDS;
    const idle: InstanceCounter[] = [];
    for (const [k, c] of this.counters) {
      if (live.has(k)) continue;
      if (c.last < oldest) this.counters.delete(k);
      else idle.push(c);
    }
    if (idle.length > MAX_IDLE_COUNTERS) {
      idle.sort((a, b) => a.last - b.last);
      for (const c of idle.slice(0, idle.length - MAX_IDLE_COUNTERS)) this.counters.delete(c.key);
    }
    const known = new Set<string>();
    for (const k of this.counters.keys()) known.add(k.slice(0, k.indexOf('/')));
    for (const r of this.routes?.values() ?? []) for (const a of r.apps) known.add(a);
    for (const a of this.appHosts.keys()) if (!known.has(a)) this.appHosts.delete(a);
    for (const a of this.names.keys()) if (!known.has(a) && !this.markers.some((m) => m.removed.some((x) => x.guid === a))) this.names.delete(a);
  }

  /** Counters held (memory checks). */
  size(): { counters: number; hosts: number; markers: number } {
    return { counters: this.counters.size, hosts: this.hosts.size, markers: this.markers.length };
  }

  /**
   * Complete seconds from max(sinceMs, now - window) to now, for `appGuids`
   * (every app with data in the window when empty). Apps asked for but never
   * seen are listed with zeros, so a client can tell "no traffic" apart.
   */
  report(appGuids: string[], sinceMs: number | undefined, nowMs = Date.now()): TrafficReport {
    const toSec = Math.floor(nowMs / 1000);
    const floorSec = toSec - WINDOW_SECONDS + 1;
    const fromSec = Math.min(toSec, Math.max(floorSec, sinceMs === undefined ? floorSec : Math.floor(sinceMs / 1000)));
    const n = toSec - fromSec;
    const want = appGuids.length ? new Set(appGuids) : undefined;
    const byApp = new Map<string, AppTraffic>();
    const app = (guid: string, fallbackName?: string): AppTraffic => {
      let a = byApp.get(guid);
      if (!a) {
        a = {
          guid,
          name: this.nameOf(guid) ?? fallbackName ?? guid,
          totals: { requests: 0, errors_5xx: 0, errors_4xx: 0 },
          series: emptySeries(n),
          instances: [],
        };
        byApp.set(guid, a);
      }
      return a;
    };
    for (const g of appGuids) app(g);
    for (const c of this.counters.values()) {
      const slash = c.key.indexOf('/');
      const guid = c.key.slice(0, slash);
      if (want && !want.has(guid)) continue;
      if (c.last < fromSec) continue;
      const series = c.series(fromSec, toSec);
      const totals = sumSeries(series);
      if (!want && totals.requests === 0) continue;
      const a = app(guid, c.label);
      a.instances.push({ index: Number(c.key.slice(slash + 1)), totals, series });
      addSeries(a.series, series);
    }
    const apps = [...byApp.values()];
    for (const a of apps) {
      a.totals = sumSeries(a.series);
      a.instances.sort((x, y) => x.index - y.index);
    }
    const fromMs = fromSec * 1000;
    const involves = (m: RouteMarker) => !want || m.added.some((x) => want.has(x.guid)) || m.removed.some((x) => want.has(x.guid));
    const markers = this.markers.filter((m) => m.time >= fromMs && involves(m));
    const hostsWanted = new Set<string>();
    for (const g of want ?? this.appHosts.keys()) for (const h of this.appHosts.get(g) ?? []) hostsWanted.add(h);
    const unrouted: HostTraffic[] = [];
    for (const [h, c] of this.hosts) {
      if (c.last < fromSec || (want && !hostsWanted.has(h))) continue;
      const series = c.series(fromSec, toSec);
      const totals = sumSeries(series);
      if (totals.requests) unrouted.push({ host: h, totals, series });
    }
    return { source: 'router', bucket_ms: BUCKET_MS, window_ms: WINDOW_SECONDS * BUCKET_MS, from: fromMs, to: toSec * 1000, apps, unrouted, markers };
  }
}

const registry = new WeakMap<object, TrafficCounters>();

/**
 * The counters of one foundation (the router and the API share them through
 * the Foundation object, so context.ts / server.ts need no new field).
 */
export function trafficOf(f: Foundation): TrafficCounters {
  let t = registry.get(f);
  if (!t) {
    const store = f.store;
    registry.set(f, (t = new TrafficCounters((g) => store.get('apps', g)?.name)));
  }
  return t;
}

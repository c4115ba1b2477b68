// Traffic of apps on any target, in one shape (issue 7): requests and error
// responses per app and per instance in one-second buckets, and the moments
// routes moved. What the webview plots and `cfpush traffic` prints.
//
// Where the numbers come from, first that applies:
//  1. `links.cfpush_traffic` in `GET /` (the local foundation's router
//     counters, src/foundation/api/traffic.ts): read as is.
//  2. `links.log_cache`: derived from the router's access lines (`RTR` LOG
//     envelopes: status from the gorouter line, instance from `app_index`),
//     route moves from CC audit events (`audit.app.map-route` / `unmap-route`)
//     where the target keeps them.
//  3. Neither: `{ available: false, reason: 'no-traffic-data' }`, a result
//     the caller shows ("this target offers no traffic data"), not an error.
//
// A TrafficReader keeps what it learnt between polls (which source, log-cache
// buckets already counted), so polling it every second stays cheap:
//
//   const reader = new TrafficReader(session);
//   setInterval(async () => render(await reader.read([app.guid], Date.now() - 120_000)), 1000);
import type { CcApiError } from '../cc/client';
import type { CcAuditEvent } from '../cc/requests/misc';
import { CfPushError } from '../errors';
import type { Session } from '../session';
import {
  addSeries,
  BUCKET_MS,
  emptySeries,
  sumSeries,
  WINDOW_SECONDS,
  type AppRef,
  type AppTraffic,
  type RouteMarker,
  type Series,
  type Totals,
  type TrafficReport,
} from './report';

export type { AppTraffic, HostTraffic, InstanceTraffic, RouteMarker, Series, Totals, TrafficReport } from './report';

export type TrafficResult = { available: true; report: TrafficReport } | { available: false; reason: 'no-traffic-data'; message: string };

export const NO_TRAFFIC_MESSAGE = 'This target offers no traffic data (neither cf-push router counters nor log-cache).';

export interface TrafficReaderOptions {
  /** Act as if the target did not advertise `cfpush_traffic` (forces the log-cache path; tests, comparisons). */
  skipCounters?: boolean;
  /** Act as if the target had no log-cache. */
  skipLogCache?: boolean;
  /** Most log-cache pages (1000 envelopes each) read per app per call (default 50). */
  maxPages?: number;
}

/** Seconds at the end re-read on every poll: log-cache may receive RTR envelopes late. */
const LATE_SECONDS = 5;
const PAGE = 1000;

interface LogCacheEnvelope {
  timestamp: string;
  instance_id?: string;
  tags?: Record<string, string>;
  log?: { payload: string; type?: string };
}

/** Counts of one app derived from RTR lines: second → index → [requests, 5xx, 4xx]. */
interface Derived {
  /** Buckets hold everything from this second on. */
  fromSec: number;
  /** Next read starts at this whole second (buckets from it on are re-counted). */
  cursorSec: number;
  buckets: Map<number, Map<number, [number, number, number]>>;
}

/** What a gorouter access line says about a request: status and app instance. */
export function parseRtrLine(line: string): { status: number; index: number | undefined } | undefined {
  // host - [time] "GET /path HTTP/1.1" 200 0 13 "referer" "ua" ... app_index:"0" ...
  const m = /" (\d{3}) (?:\d+|-) (?:\d+|-) "/.exec(line);
  if (!m) return undefined;
  const ix = /\bapp_index:"(\d+)"/.exec(line);
  return { status: Number(m[1]), index: ix ? Number(ix[1]) : undefined };
}

export class TrafficReader {
  private source: 'router' | 'log-cache' | 'none' | undefined;
  private countersUrl: string | undefined;
  private logCacheUrl: string | undefined;
  private readonly derived = new Map<string, Derived>();
  private readonly names = new Map<string, string>();
  private readonly routeUrls = new Map<string, string>();
  private auditEvents = true;

  constructor(
    private readonly session: Session,
    private readonly opts: TrafficReaderOptions = {},
  ) {}

  /** Which source this target offers (discovered once). */
  async discover(): Promise<'router' | 'log-cache' | 'none'> {
    if (this.source) return this.source;
    const cc = this.session.cc;
    this.countersUrl = this.opts.skipCounters ? undefined : await cc.link('cfpush_traffic');
    this.logCacheUrl = this.opts.skipLogCache ? undefined : await cc.link('log_cache');
    this.source = this.countersUrl ? 'router' : this.logCacheUrl ? 'log-cache' : 'none';
    return this.source;
  }

  /**
   * Counters of `appGuids` from `sinceMs` (epoch ms; clamped to the last 10
   * minutes; default: all of them) up to the last complete second.
   */
  async read(appGuids: string[], sinceMs?: number): Promise<TrafficResult> {
    const source = await this.discover();
    if (source === 'none') return { available: false, reason: 'no-traffic-data', message: NO_TRAFFIC_MESSAGE };
    if (source === 'router') {
      const report = await this.session.cc.get<TrafficReport>(this.countersUrl!, {
        app_guids: appGuids.length ? appGuids : undefined,
        since: sinceMs === undefined ? undefined : Math.floor(sinceMs),
      });
      return { available: true, report };
    }
    try {
      return { available: true, report: await this.fromLogCache(appGuids, sinceMs) };
    } catch (err) {
      const status = (err as CcApiError).status;
      if (status === 404 || status === 501) {
        return { available: false, reason: 'no-traffic-data', message: `${NO_TRAFFIC_MESSAGE} (log-cache answered ${status})` };
      }
      throw err;
    }
  }

  private async fromLogCache(appGuids: string[], sinceMs: number | undefined): Promise<TrafficReport> {
    if (!appGuids.length) throw new CfPushError('Traffic from log-cache needs the apps to read.', { hint: 'Pass at least one app.' });
    const nowMs = Date.now();
    const toSec = Math.floor(nowMs / 1000);
    const floorSec = toSec - WINDOW_SECONDS + 1;
    const fromSec = Math.min(toSec, Math.max(floorSec, sinceMs === undefined ? floorSec : Math.floor(sinceMs / 1000)));
    const n = toSec - fromSec;
    const apps: AppTraffic[] = [];
    const [markers] = await Promise.all([
      this.auditMarkers(appGuids, fromSec * 1000),
      ...appGuids.map((g) => this.pull(g, fromSec, toSec)),
      this.loadNames(appGuids),
    ]);
    for (const guid of appGuids) {
      const d = this.derived.get(guid)!;
      const perIndex = new Map<number, Series>();
      for (const [sec, byIndex] of d.buckets) {
        if (sec < fromSec || sec >= toSec) continue;
        for (const [index, [r, e5, e4]] of byIndex) {
          let s = perIndex.get(index);
          if (!s) perIndex.set(index, (s = emptySeries(n)));
          s.requests[sec - fromSec]! += r;
          s.errors_5xx[sec - fromSec]! += e5;
          s.errors_4xx[sec - fromSec]! += e4;
        }
      }
      const series = emptySeries(n);
      const instances = [...perIndex.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([index, s]) => {
          addSeries(series, s);
          return { index, totals: sumSeries(s), series: s };
        });
      apps.push({ guid, name: this.names.get(guid) ?? guid, totals: sumSeries(series), series, instances });
    }
    return {
      source: 'log-cache',
      bucket_ms: BUCKET_MS,
      window_ms: WINDOW_SECONDS * BUCKET_MS,
      from: fromSec * 1000,
      to: toSec * 1000,
      apps,
      unrouted: [],
      markers,
    };
  }

  /** Reads new RTR envelopes of one app into its buckets (re-reading the last few seconds). */
  private async pull(guid: string, fromSec: number, toSec: number): Promise<void> {
    let d = this.derived.get(guid);
    if (!d || fromSec < d.fromSec) {
      d = { fromSec, cursorSec: fromSec, buckets: new Map() };
      this.derived.set(guid, d);
    }
    const start = Math.min(d.cursorSec, toSec - LATE_SECONDS);
    const restart = Math.max(start, d.fromSec);
    for (const sec of d.buckets.keys()) if (sec >= restart || sec < toSec - WINDOW_SECONDS) d.buckets.delete(sec);
    let cursorNs = BigInt(restart) * 1_000_000_000n;
    let lastSec = restart;
    const base = this.logCacheUrl!.replace(/\/+$/, '');
    const maxPages = this.opts.maxPages ?? 50;
    for (let page = 0; page < maxPages; page++) {
      const body = await this.session.cc.get<{ envelopes?: { batch?: LogCacheEnvelope[] } }>(`${base}/api/v1/read/${guid}`, {
        envelope_types: 'LOG',
        start_time: cursorNs.toString(),
        limit: PAGE,
      });
      const batch = body?.envelopes?.batch ?? [];
      for (const e of batch) {
        const ns = BigInt(e.timestamp);
        if (ns >= cursorNs) cursorNs = ns + 1n;
        if (e.tags?.source_type !== 'RTR' || !e.log) continue;
        const rec = parseRtrLine(Buffer.from(e.log.payload, 'base64').toString('utf8'));
        if (!rec) continue;
        const sec = Number(ns / 1_000_000_000n);
        if (sec < restart) continue;
        lastSec = Math.max(lastSec, sec);
        const index = rec.index ?? (Number(e.instance_id) || 0);
        let byIndex = d.buckets.get(sec);
        if (!byIndex) d.buckets.set(sec, (byIndex = new Map()));
        let c = byIndex.get(index);
        if (!c) byIndex.set(index, (c = [0, 0, 0]));
        c[0]++;
        if (rec.status >= 500) c[1]++;
        else if (rec.status >= 400) c[2]++;
      }
      if (batch.length < PAGE) break;
    }
    // Next time start again at the last second seen (it may be incomplete), at most LATE_SECONDS back.
    d.cursorSec = Math.max(d.fromSec, Math.min(lastSec, toSec - LATE_SECONDS + 1));
  }

  private async loadNames(guids: string[]): Promise<void> {
    const missing = guids.filter((g) => !this.names.has(g));
    if (!missing.length) return;
    const apps = await this.session.cc.apps.list({ guids: missing }).catch(() => []);
    for (const a of apps) this.names.set(a.guid, a.name);
  }

  /** Route moves from CC audit events, where the target keeps them (best effort: [] otherwise). */
  private async auditMarkers(guids: string[], fromMs: number): Promise<RouteMarker[]> {
    if (!this.auditEvents) return [];
    let events: CcAuditEvent[];
    try {
      events = await this.session.cc.auditEvents.list({ types: ['audit.app.map-route', 'audit.app.unmap-route'], targetGuids: guids, since: new Date(fromMs) });
    } catch (err) {
      if ((err as CcApiError).status === 404) this.auditEvents = false; // not kept here: do not ask again
      return [];
    }
    const out: RouteMarker[] = [];
    for (const e of events) {
      const routeGuid = e.data?.route_guid ?? e.data?.request?.route_guid ?? '';
      const app: AppRef = { guid: e.target.guid, name: e.target.name };
      const time = Date.parse(e.created_at);
      if (!(time >= fromMs)) continue;
      const add = e.type === 'audit.app.map-route';
      out.push({ time, route_guid: routeGuid, url: await this.routeUrl(routeGuid), added: add ? [app] : [], removed: add ? [] : [app] });
    }
    return out;
  }

  private async routeUrl(guid: string): Promise<string> {
    if (!guid) return '';
    let url = this.routeUrls.get(guid);
    if (url === undefined) {
      url = (await this.session.cc.routes.get(guid).catch(() => undefined))?.url ?? guid;
      this.routeUrls.set(guid, url);
    }
    return url;
  }
}

/** One read (no state kept between calls); for polling prefer a TrafficReader. */
export function readTraffic(session: Session, appGuids: string[], sinceMs?: number, opts: TrafficReaderOptions = {}): Promise<TrafficResult> {
  return new TrafficReader(session, opts).read(appGuids, sinceMs);
}

/** Requests per second over the last `seconds` complete seconds of a series. */
export function ratePerSecond(s: Series, seconds: number): number {
  const n = s.requests.length;
  const k = Math.min(seconds, n);
  if (k <= 0) return 0;
  let sum = 0;
  for (let i = n - k; i < n; i++) sum += s.requests[i]!;
  return sum / k;
}

/** Totals over the last `seconds` complete seconds of a series. */
export function lastTotals(s: Series, seconds: number): Totals {
  const n = s.requests.length;
  const k = Math.max(0, Math.min(seconds, n));
  const tail: Series = { requests: s.requests.slice(n - k), errors_5xx: s.errors_5xx.slice(n - k), errors_4xx: s.errors_4xx.slice(n - k) };
  return sumSeries(tail);
}

// What the local foundation's traffic counters answer (GET
// /x-cfpush/v1/traffic) and what the client-side reader returns for every
// source: the shapes and the series arithmetic both sides share.

/** Length of the rolling window, in one-second buckets. */
export const WINDOW_SECONDS = 600;
export const BUCKET_MS = 1000;

export interface Totals {
  requests: number;
  errors_5xx: number;
  errors_4xx: number;
}

/** One value per second from `from` to `to` (see TrafficReport). */
export interface Series {
  requests: number[];
  errors_5xx: number[];
  errors_4xx: number[];
}

export interface InstanceTraffic {
  index: number;
  totals: Totals;
  series: Series;
}

export interface AppTraffic {
  guid: string;
  name: string;
  totals: Totals;
  series: Series;
  instances: InstanceTraffic[];
}

export interface HostTraffic {
  host: string;
  totals: Totals;
  series: Series;
}

export interface AppRef {
  guid: string;
  name: string;
}

/** A route's destinations changed: apps added and/or removed, at `time` (epoch ms, when the router table changed). */
export interface RouteMarker {
  time: number;
  route_guid: string;
  url: string;
  added: AppRef[];
  removed: AppRef[];
}

/** What GET /x-cfpush/v1/traffic answers (and what the client-side reader returns for every source). */
export interface TrafficReport {
  /** Who counted: the router itself, or derived from log-cache RTR access lines. */
  source: 'router' | 'log-cache';
  bucket_ms: number;
  window_ms: number;
  /** Epoch ms of the first bucket (whole second). */
  from: number;
  /** Epoch ms, exclusive: series hold (to - from) / bucket_ms complete seconds. */
  to: number;
  apps: AppTraffic[];
  /** Requests the router answered itself (no app reached: 404 unknown route, 400 ...), per Host. */
  unrouted: HostTraffic[];
  markers: RouteMarker[];
}

export function sumSeries(s: Series): Totals {
  let requests = 0;
  let e5 = 0;
  let e4 = 0;
  for (let k = 0; k < s.requests.length; k++) {
    requests += s.requests[k]!;
    e5 += s.errors_5xx[k]!;
    e4 += s.errors_4xx[k]!;
  }
  return { requests, errors_5xx: e5, errors_4xx: e4 };
}

export function addSeries(into: Series, s: Series): void {
  for (let k = 0; k < into.requests.length; k++) {
    into.requests[k]! += s.requests[k]!;
    into.errors_5xx[k]! += s.errors_5xx[k]!;
    into.errors_4xx[k]! += s.errors_4xx[k]!;
  }
}

export function emptySeries(n: number): Series {
  return { requests: new Array<number>(n).fill(0), errors_5xx: new Array<number>(n).fill(0), errors_4xx: new Array<number>(n).fill(0) };
}

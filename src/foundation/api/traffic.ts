// cf-push's traffic endpoint (issue 7): the router's per-app / per-instance
// counters and route-move markers. Our extension, not Cloud Controller's, so
// it lives under /x-cfpush/ where no CC path can clash, and `GET /`
// advertises it as `links.cfpush_traffic`: clients discover it, they never
// assume it.
//
//   GET /x-cfpush/v1/traffic?app_guids=G1,G2&since=<epoch ms>
//   Authorization: bearer <token>          (as every /v3 route: 401 without)
//
//   app_guids  optional, comma-separated; empty = every app with traffic in the window
//   since      optional epoch ms; clamped to the window (the last 10 minutes)
//
//   200 {
//     "source": "router", "bucket_ms": 1000, "window_ms": 600000,
//     "from": 1764000000000,            // first bucket, whole second
//     "to":   1764000060000,            // exclusive: only complete seconds
//     "apps": [{
//       "guid": "…", "name": "blue",
//       "totals": { "requests": 1200, "errors_5xx": 0, "errors_4xx": 3 },
//       "series": { "requests": [20, 21, …], "errors_5xx": […], "errors_4xx": […] },   // (to-from)/1000 values each
//       "instances": [{ "index": 0, "totals": {…}, "series": {…} }, …]
//     }],
//     "unrouted": [{ "host": "blue.localhost", "totals": {…}, "series": {…} }],   // router's own answers (404 unknown_route …)
//     "markers": [{ "time": 1764000031234, "route_guid": "…", "url": "blue.localhost",
//                   "added": [{ "guid": "…", "name": "green" }], "removed": [] }]
//   }
//
// errors_5xx includes the router's own 502s for an app (endpoint_failure).
// Markers are recorded when the router's table changes (any map, unmap,
// destination replace, route or app deletion), so they mark when traffic
// actually moved. Asked-for apps with no traffic are listed with zeros.
import { badQuery, send, type Ctx, type RouteDef } from '../http';
import { BUCKET_MS, trafficOf, WINDOW_SECONDS } from '../traffic';

export const TRAFFIC_PATH = '/x-cfpush/v1/traffic';

const GUID_LIST = /^[\w-]+(,[\w-]+)*$/;

function traffic(c: Ctx): void {
  const rawGuids = c.query.get('app_guids') ?? '';
  if (rawGuids && !GUID_LIST.test(rawGuids)) throw badQuery('app_guids must be a comma-separated list of guids');
  const guids = rawGuids ? [...new Set(rawGuids.split(','))] : [];
  if (guids.length > 100) throw badQuery('app_guids: at most 100 apps');
  const rawSince = c.query.get('since');
  let since: number | undefined;
  if (rawSince !== null && rawSince !== '') {
    if (!/^\d+$/.test(rawSince)) throw badQuery('since must be epoch milliseconds');
    since = Number(rawSince);
  }
  send(c.res, 200, trafficOf(c.f).report(guids, since), { 'cache-control': 'no-store' });
}

/** The link `GET /` advertises (root.ts). */
export function trafficLink(apiUrl: string): { href: string; meta: { version: number; bucket_ms: number; window_ms: number } } {
  return { href: `${apiUrl}${TRAFFIC_PATH}`, meta: { version: 1, bucket_ms: BUCKET_MS, window_ms: WINDOW_SECONDS * BUCKET_MS } };
}

export const trafficRoutes: RouteDef[] = [{ method: 'GET', path: TRAFFIC_PATH, handler: traffic }];

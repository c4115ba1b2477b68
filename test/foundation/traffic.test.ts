// Router traffic counters (issue 7) on a real foundation over real HTTP:
// requests and errors counted per app and per instance, `GET /` advertising
// the endpoint, 401 without a token, route-move markers from a core
// swapRoutes while load runs (old app's rate falls to zero, new app's rises,
// no errors), the log-cache fallback deriving the same counts from RTR
// lines, and the counters' memory bounds.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { CcClient } from '../../src/core/cc/client';
import type { CcOrg, CcSpace } from '../../src/core/cc/types';
import { swapRoutes } from '../../src/core/push';
import type { Session } from '../../src/core/session';
import { parseRtrLine, readTraffic, TrafficReader, type TrafficReport } from '../../src/core/traffic';
import type { RunningFoundation } from '../../src/foundation/server';
import { InstanceCounter, MAX_HOSTS, MAX_IDLE_COUNTERS, MAX_MARKERS, OTHER_HOST, TrafficCounters, WINDOW_SECONDS } from '../../src/foundation/traffic';
import { Api, cleanup, http as rawHttp, nodeApp, push, startTestFoundation, tempDir } from './helpers';

// Answers its name; /fail → 500, /missing → 404.
const APP = (name: string) => `
require('http').createServer((q, s) => {
  if (q.url === '/fail') { s.statusCode = 500; return s.end('failed'); }
  if (q.url === '/missing') { s.statusCode = 404; return s.end('missing'); }
  s.end(${JSON.stringify(name)});
}).listen(process.env.PORT);
`;

let f: RunningFoundation;
let api: Api;
let s: Session;
const dirs: string[] = [];
const guids: Record<string, string> = {};
const quiet = { step() {}, log() {}, warn() {} };

async function sessionFor(fnd: RunningFoundation, token: string): Promise<Session> {
  const cc = new CcClient({ api: fnd.apiUrl, tokens: { token: async () => token, refresh: async () => token } });
  const [org] = await cc.list<CcOrg>('/v3/organizations');
  const [space] = await cc.list<CcSpace>('/v3/spaces', { organization_guids: org!.guid });
  const port = new URL(fnd.routerUrl).port;
  return {
    target: { name: 'test', api: fnd.apiUrl },
    cc,
    org: { guid: org!.guid, name: org!.name },
    space: { guid: space!.guid, name: space!.name },
    routeUrl: (u) => `http://${u.replace(/^([^/]+)/, `$1:${port}`)}`,
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
after(() => agent.destroy());

function get(host: string, path = '/'): Promise<{ status: number; body: string; at: number }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: new URL(f.routerUrl).port, path, headers: { host }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, at: Date.now() }));
    });
    req.on('error', () => resolve({ status: 0, body: '', at: Date.now() }));
  });
}

/** `conns` loops of sequential keep-alive GETs until stopped; every response recorded. */
function loadLoop(host: string, conns: number) {
  const seen: { status: number; body: string; at: number }[] = [];
  let stop = false;
  const loops = Array.from({ length: conns }, async () => {
    while (!stop) seen.push(await get(host));
  });
  return {
    seen,
    async finish() {
      stop = true;
      await Promise.all(loops);
      return seen;
    },
  };
}

/** Waits until the second holding `ms` is complete (and so reported). */
async function secondOver(ms = Date.now()): Promise<void> {
  const wait = Math.floor(ms / 1000) * 1000 + 1000 + 30 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

async function report(appGuids: string[], since: number): Promise<TrafficReport> {
  const res = await api.get(`/x-cfpush/v1/traffic?app_guids=${appGuids.join(',')}&since=${since}`);
  assert.equal(res.status, 200, res.text);
  return res.json;
}

before(async () => {
  f = await startTestFoundation(tempDir());
  api = await Api.connect(f);
  s = await sessionFor(f, api.token);
  for (const [name, extra] of [
    ['blue', '  instances: 2\n'],
    ['green', ''],
    ['tally', '  instances: 2\n'],
  ] as const) {
    const dir = nodeApp(name, APP(name));
    dirs.push(dir);
    guids[name] = (await push(api, name, dir, extra)).app.guid;
  }
});

after(async () => {
  await f?.close();
  for (const d of dirs) cleanup(d);
});

describe('traffic endpoint', { timeout: 300_000 }, () => {
  test('GET / advertises links.cfpush_traffic; the endpoint needs a bearer token', async () => {
    const root = await rawHttp(`${f.apiUrl}/`);
    assert.equal(root.json.links.cfpush_traffic.href, `${f.apiUrl}/x-cfpush/v1/traffic`);
    assert.equal(root.json.links.cfpush_traffic.meta.bucket_ms, 1000);
    assert.equal(root.json.links.cfpush_traffic.meta.window_ms, WINDOW_SECONDS * 1000);
    const anon = await rawHttp(`${f.apiUrl}/x-cfpush/v1/traffic`);
    assert.equal(anon.status, 401);
    assert.equal(anon.json.errors[0].title, 'CF-NotAuthenticated');
    const bad = await rawHttp(`${f.apiUrl}/x-cfpush/v1/traffic`, { headers: { authorization: 'bearer nope' } });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.errors[0].title, 'CF-InvalidAuthToken');
    assert.equal((await api.get('/x-cfpush/v1/traffic?since=yesterday')).status, 400);
    assert.equal((await api.get('/x-cfpush/v1/traffic?app_guids=a%20b')).status, 400);
  });

  test('counts requests, 5xx and 4xx per app and per instance', async () => {
    const since = Date.now();
    const plan = { ok: 40, fail: 6, missing: 4 };
    for (let i = 0; i < plan.ok; i++) assert.equal((await get('blue.localhost')).status, 200);
    for (let i = 0; i < plan.fail; i++) assert.equal((await get('blue.localhost', '/fail')).status, 500);
    for (let i = 0; i < plan.missing; i++) assert.equal((await get('blue.localhost', '/missing')).status, 404);
    for (let i = 0; i < 5; i++) assert.equal((await get('green.localhost')).status, 200);
    assert.equal((await get('nowhere.localhost')).status, 404, 'unknown route: the router answers itself');
    await secondOver();
    const r = await report([guids.blue!, guids.green!], since);
    assert.equal(r.source, 'router');
    assert.equal(r.bucket_ms, 1000);
    assert.equal(r.from % 1000, 0);
    assert.equal((r.to - r.from) / 1000, r.apps[0]!.series.requests.length);
    const blue = r.apps.find((a) => a.guid === guids.blue)!;
    const green = r.apps.find((a) => a.guid === guids.green)!;
    assert.equal(blue.name, 'blue');
    assert.deepEqual(blue.totals, { requests: 50, errors_5xx: 6, errors_4xx: 4 });
    assert.deepEqual(green.totals, { requests: 5, errors_5xx: 0, errors_4xx: 0 });
    assert.deepEqual(
      blue.instances.map((i) => i.index),
      [0, 1],
    );
    // Round-robin over two instances, one request at a time: an even split.
    assert.deepEqual(
      blue.instances.map((i) => i.totals.requests),
      [25, 25],
    );
    assert.equal(
      blue.instances.reduce((a, i) => a + i.totals.errors_5xx, 0),
      6,
    );
    assert.equal(
      blue.series.requests.reduce((a, b) => a + b, 0),
      50,
      'series add up to the totals',
    );
    assert.deepEqual(r.unrouted, [], 'a 404 for an unknown host is not charged to these apps');
    const all = (await api.get(`/x-cfpush/v1/traffic?since=${since}`)).json as TrafficReport;
    assert.ok(
      all.unrouted.some((h) => h.host === 'nowhere.localhost' && h.totals.errors_4xx === 1),
      JSON.stringify(all.unrouted),
    );
    assert.deepEqual(all.apps.map((a) => a.name).sort(), ['blue', 'green']);
  });

  test('a swap under load: markers, the old app falls to zero, the new one rises, no errors', async () => {
    const since = Date.now();
    await secondOver(); // a clean second to start in
    const load = loadLoop('blue.localhost', 8);
    await new Promise((r) => setTimeout(r, 2500));
    const t0 = Date.now();
    await swapRoutes(s, 'blue', 'green', quiet);
    const t1 = Date.now();
    await new Promise((r) => setTimeout(r, 2500));
    const seen = await load.finish();
    await secondOver();
    assert.ok(seen.length > 100, `load ran: ${seen.length} requests`);
    assert.deepEqual(
      seen.filter((x) => x.status !== 200),
      [],
      'no failed request during the swap',
    );
    assert.ok(seen.some((x) => x.body === 'blue') && seen.some((x) => x.body === 'green'));

    const r = await report([guids.blue!, guids.green!], since);
    const blue = r.apps.find((a) => a.guid === guids.blue)!;
    const green = r.apps.find((a) => a.guid === guids.green)!;
    // Markers: blue.localhost gained green and lost blue, between the swap call's start and end.
    const onBlueRoute = r.markers.filter((m) => m.url === 'blue.localhost');
    const added = onBlueRoute.find((m) => m.added.some((a) => a.guid === guids.green));
    const removed = onBlueRoute.find((m) => m.removed.some((a) => a.guid === guids.blue));
    assert.ok(added && removed, JSON.stringify(r.markers));
    assert.ok(added.time >= t0 && removed.time <= t1 && added.time <= removed.time, `${t0} ≤ ${added.time} ≤ ${removed.time} ≤ ${t1}`);
    assert.equal(added.added[0]!.name, 'green');
    assert.ok(
      r.markers.some((m) => m.url === 'green.localhost' && m.added.some((a) => a.name === 'blue')),
      'green.localhost moved to blue',
    );

    // Counters agree with what the load generator saw.
    assert.equal(blue.totals.requests, seen.filter((x) => x.body === 'blue').length);
    assert.equal(green.totals.requests, seen.filter((x) => x.body === 'green').length);
    for (const a of [blue, green]) assert.equal(a.totals.errors_5xx + a.totals.errors_4xx, 0, `${a.name}: no errors`);
    assert.deepEqual(r.unrouted, []);

    // Per second: before the swap blue takes everything, after it green does.
    const secOf = (ms: number) => Math.floor((ms - r.from) / 1000);
    const fullBefore = secOf(t0) - 1; // the last whole second before the swap call
    const afterSec = secOf(t1) + 1; // the first whole second after it returned
    assert.ok(fullBefore >= 0 && afterSec < r.apps[0]!.series.requests.length, `${fullBefore} ${afterSec} ${r.apps[0]!.series.requests.length}`);
    assert.ok(blue.series.requests[fullBefore]! > 10, `blue before: ${blue.series.requests}`);
    assert.equal(green.series.requests[fullBefore], 0, `green before: ${green.series.requests}`);
    assert.equal(blue.series.requests[afterSec], 0, `blue after: ${blue.series.requests}`);
    assert.ok(green.series.requests[afterSec]! > 10, `green after: ${green.series.requests}`);
    assert.ok(blue.instances.length === 2 && blue.instances.every((i) => i.series.requests[fullBefore]! > 0), 'both blue instances served before');

    // Swap back so later tests see blue on blue.localhost.
    await swapRoutes(s, 'blue', 'green', quiet);
  });

  test('the core reader: same shape from the endpoint, and from log-cache RTR lines when the endpoint is ignored', async () => {
    await secondOver();
    const since = Date.now();
    for (let i = 0; i < 60; i++) assert.equal((await get('tally.localhost')).status, 200);
    for (let i = 0; i < 7; i++) assert.equal((await get('tally.localhost', '/fail')).status, 500);
    for (let i = 0; i < 3; i++) assert.equal((await get('tally.localhost', '/missing')).status, 404);
    await Promise.all(Array.from({ length: 30 }, () => get('tally.localhost')));
    await secondOver();
    const apps = [guids.tally!];
    const counters = await readTraffic(s, apps, since);
    const logCache = await readTraffic(s, apps, since, { skipCounters: true });
    assert.ok(counters.available && logCache.available);
    assert.equal(counters.report.source, 'router');
    assert.equal(logCache.report.source, 'log-cache');
    const a = counters.report.apps[0]!;
    const b = logCache.report.apps[0]!;
    assert.deepEqual(a.totals, { requests: 100, errors_5xx: 7, errors_4xx: 3 });
    assert.deepEqual(b.totals, a.totals, 'log-cache derives the same totals');
    assert.equal(b.name, 'tally');
    assert.deepEqual(
      b.instances.map((i) => [i.index, i.totals]),
      a.instances.map((i) => [i.index, i.totals]),
      'and the same per instance',
    );
    assert.equal(b.series.requests.length, a.series.requests.length);

    // A reader polled repeatedly counts each line once (it re-reads the last seconds).
    const reader = new TrafficReader(s, { skipCounters: true });
    const first = await reader.read(apps, since);
    for (let i = 0; i < 10; i++) await get('tally.localhost');
    await secondOver();
    const second = await reader.read(apps, since);
    assert.ok(first.available && second.available);
    assert.equal(second.report.apps[0]!.totals.requests, first.report.apps[0]!.totals.requests + 10);

    // Neither source: a typed answer, not an exception.
    const none = await readTraffic(s, apps, since, { skipCounters: true, skipLogCache: true });
    assert.equal(none.available, false);
    assert.ok(!none.available && none.reason === 'no-traffic-data' && /offers no traffic data/.test(none.message));
  });

  test('gorouter access lines parse (status, app_index)', () => {
    const line =
      'blue.example.com - [2026-01-01T00:00:00.000000000Z] "GET /a?b=1 HTTP/1.1" 503 0 67 "-" "curl/8" "10.0.0.1:5000" "10.0.1.2:61001" x_forwarded_for:"1.2.3.4" x_forwarded_proto:"https" vcap_request_id:"x" response_time:0.001 gorouter_time:0.000 app_id:"g" app_index:"3" instance_id:"i" x_cf_routererror:"-"';
    assert.deepEqual(parseRtrLine(line), { status: 503, index: 3 });
    assert.equal(parseRtrLine('not an access line'), undefined);
  });
});

describe('counters in memory', () => {
  test('one instance counter is a fixed ring: old seconds are overwritten, not kept', () => {
    const c = new InstanceCounter('a/0', 'a');
    const t0 = 1_700_000_000_000;
    c.count(200, t0);
    c.count(502, t0 + 10);
    c.count(404, t0 + 1000);
    assert.deepEqual(c.series(t0 / 1000, t0 / 1000 + 2), { requests: [2, 1], errors_5xx: [1, 0], errors_4xx: [0, 1] });
    c.count(200, t0 + WINDOW_SECONDS * 1000); // same slot, a window later
    assert.deepEqual(c.series(t0 / 1000, t0 / 1000 + 1).requests, [0], 'the old second is gone');
    assert.deepEqual(c.series(t0 / 1000 + WINDOW_SECONDS, t0 / 1000 + WINDOW_SECONDS + 1).requests, [1]);
  });

  test('idle counters, hosts and markers are bounded', () => {
    const t = new TrafficCounters(undefined, {});
    const now = Date.now();
    for (let i = 0; i < MAX_IDLE_COUNTERS + 50; i++) t.counter(`app${i}`, 0)!.count(200, now);
    for (let i = 0; i < MAX_HOSTS * 3; i++) t.unrouted(`h${i}.localhost`, 404, now);
    for (let i = 0; i < MAX_MARKERS + 20; i++) t.tableBuilt([{ guid: 'r', host: 'x', url: 'x', apps: [i % 2 ? 'a' : 'b'] }], new Set(), now);
    const size = t.size();
    assert.equal(size.counters, MAX_IDLE_COUNTERS);
    assert.equal(size.hosts, MAX_HOSTS);
    assert.equal(size.markers, MAX_MARKERS);
    assert.ok(t.report([], undefined, now + 1000).unrouted.some((h) => h.host === OTHER_HOST));
    // A window later, nothing idle is kept.
    t.tableBuilt([], new Set(), now + (WINDOW_SECONDS + 2) * 1000);
    assert.equal(t.size().counters, 0);
  });

  test('CFPUSH_ROUTER_COUNTERS=0 turns counting off', () => {
    const t = new TrafficCounters(undefined, { CFPUSH_ROUTER_COUNTERS: '0' });
    assert.equal(t.enabled, false);
    assert.equal(t.counter('a', 0), null);
  });
});

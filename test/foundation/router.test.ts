// The router on its own (cf-reference.md §6): a Router over a stand-in route
// table, real HTTP backends on loopback, real clients (node:http, raw
// sockets, ws). Routing through a whole foundation (CC route changes) is in
// push.test.ts and the swap benchmark (test/bench/swap.bench.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as netServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import type { Foundation } from '../../src/foundation/context';
import { LogStore } from '../../src/foundation/logs';
import { Router } from '../../src/foundation/router';
import { forwardHead, writeForwardHead } from '../../src/foundation/router/headers';
import {
  HeadStrings,
  parseRequestHead,
  parseResponseHead,
  resScan,
  scanned,
  scanRequestHead,
  scanResponseHead,
  type RequestHead,
} from '../../src/foundation/router/wire';
import type { Endpoint } from '../../src/foundation/supervisor';

interface FakeRoute {
  host: string;
  path: string;
  apps: string[];
}

/** A route table the tests edit directly, in the shape the router reads from the store and supervisor. */
class Table {
  routes: FakeRoute[] = [];
  instances = new Map<string, Endpoint[]>();
  logs = new LogStore();
  foundation(): Foundation {
    return {
      store: {
        list: () =>
          this.routes.map((r, i) => ({
            guid: `r${i}`,
            host: r.host,
            path: r.path,
            domain_guid: 'd',
            destinations: r.apps.map((a) => ({ app_guid: a, process_type: 'web' })),
          })),
        get: () => ({ name: 'localhost' }),
      },
      supervisor: { endpoints: (app: string) => this.instances.get(app) ?? [] },
      logs: this.logs,
    } as unknown as Foundation;
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse, instance: number) => void;

/** An app with n instances, each a real HTTP server on its own port. */
async function app(t: Table, name: string, n: number, handler?: Handler): Promise<{ guid: string; servers: Server[] }> {
  const guid = randomUUID();
  const servers: Server[] = [];
  const eps: Endpoint[] = [];
  for (let i = 0; i < n; i++) {
    const srv = createServer((req, res) => {
      if (handler) return handler(req, res, i);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ app: name, index: i, method: req.method, url: req.url, headers: req.headers, body }));
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    servers.push(srv);
    eps.push({ port: (srv.address() as AddressInfo).port, appGuid: guid, index: i, instanceGuid: randomUUID() });
  }
  t.instances.set(guid, eps);
  return { guid, servers };
}

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

let routerPort = 0;

function get(host: string, path = '/', opts: { method?: string; headers?: Record<string, string>; body?: string; agent?: any } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: routerPort, path, method: opts.method ?? 'GET', headers: { host, ...opts.headers }, agent: opts.agent ?? false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON: text only */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Raw bytes in, raw bytes out (for what node's client would not send). */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(routerPort, '127.0.0.1', () => s.write(bytes));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    setTimeout(() => s.end(), 1500);
  });
}

const t = new Table();
let router: Router;
const closers: (() => void)[] = [];

before(async () => {
  router = new Router(t.foundation(), { failedCooldownMs: 60_000 });
  router.rebuildNow();
  await new Promise<void>((r) => router.server.listen(0, '127.0.0.1', r));
  routerPort = (router.server.address() as AddressInfo).port;
});

after(() => {
  router.server.close();
  router.server.closeAllConnections();
  router.close();
  for (const c of closers) c();
});

function track(servers: Server[]): void {
  for (const s of servers) {
    closers.push(() => {
      s.closeAllConnections();
      s.close();
    });
  }
}

describe('router (gorouter semantics)', () => {
  test('unknown route: 404 with gorouter body and headers, Host quoted as sent', async () => {
    const host = `Nope.LocalHost:${routerPort}`;
    const res = await get(host);
    assert.equal(res.status, 404);
    assert.equal(res.text, `404 Not Found: Requested route ('${host}') does not exist.\n`);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-cf-routererror'], 'unknown_route');
    assert.equal(res.headers['cache-control'], 'no-cache, no-store');
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.text)));
  });

  test('empty Host (or the client IP as Host): 400 empty_host', async () => {
    const out = await raw('GET / HTTP/1.0\r\n\r\n');
    assert.match(out, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(out, /\r\nX-Cf-Routererror: empty_host\r\n/);
    assert.match(out, /\r\nCache-Control: public,max-age=2\r\n/);
    assert.ok(out.endsWith('\r\n\r\n400 Bad Request: Request had empty Host header\n'), out);
    const ip = await get(`127.0.0.1:${routerPort}`);
    assert.equal(ip.status, 400);
    assert.equal(ip.headers['x-cf-routererror'], 'empty_host');
  });

  test('malformed requests get 400 and a closed connection', async () => {
    assert.match(await raw('GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(await raw('GET / HTTP/1.1\r\nHost: a.localhost\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'), /^HTTP\/1\.1 400 /);
  });

  test('round-robin across 3 instances, case-insensitive host, port ignored for lookup', async () => {
    const a = await app(t, 'rr', 3);
    track(a.servers);
    t.routes.push({ host: 'rr', path: '', apps: [a.guid] });
    router.rebuildNow();
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) seen.push((await get(i % 2 ? 'RR.localhost' : `rr.localhost:${routerPort}`)).json.index);
    assert.deepEqual([...seen].sort(), [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(seen.slice(0, 3).sort(), [0, 1, 2]);
  });

  test('longest path prefix wins, matching whole segments', async () => {
    const root = await app(t, 'root', 1);
    const api = await app(t, 'api', 1);
    const v2 = await app(t, 'v2', 1);
    track([...root.servers, ...api.servers, ...v2.servers]);
    t.routes.push(
      { host: 'paths', path: '', apps: [root.guid] },
      { host: 'paths', path: '/api/v2', apps: [v2.guid] },
      { host: 'paths', path: '/api', apps: [api.guid] },
    );
    router.rebuildNow();
    const which = async (p: string) => (await get('paths.localhost', p)).json.app;
    assert.equal(await which('/'), 'root');
    assert.equal(await which('/api'), 'api');
    assert.equal(await which('/api?x=1'), 'api');
    assert.equal(await which('/api/v1/things'), 'api');
    assert.equal(await which('/api/v2'), 'v2');
    assert.equal(await which('/api/v2/x?y'), 'v2');
    assert.equal(await which('/apix'), 'root');
    // A path route alone does not claim the rest of the host.
    t.routes.push({ host: 'onlypath', path: '/p', apps: [api.guid] });
    router.rebuildNow();
    assert.equal((await get('onlypath.localhost', '/p/q')).json.app, 'api');
    assert.equal((await get('onlypath.localhost', '/other')).status, 404);
  });

  test('a wildcard route (*.domain) serves the names no route of their own serves, deeper ones too (gorouter NextWildcard)', async () => {
    const wild = await app(t, 'wild', 1);
    const own = await app(t, 'own', 1);
    track([...wild.servers, ...own.servers]);
    t.routes.push({ host: '*', path: '', apps: [wild.guid] }, { host: 'own', path: '', apps: [own.guid] }, { host: 'idle', path: '', apps: [] });
    router.rebuildNow();
    assert.equal((await get('anything.localhost', '/')).json.app, 'wild');
    assert.equal((await get('a.b.localhost', '/')).json.app, 'wild');
    assert.equal((await get('own.localhost', '/')).json.app, 'own');
    assert.equal((await get('idle.localhost', '/')).json.app, 'wild', 'a route with no instance falls through to the wildcard');
    assert.equal((await get('localhost', '/')).status, 404, 'the wildcard is not the bare domain');
    // The tests after this one expect unknown names to be 404s.
    t.routes = t.routes.filter((r) => !['*', 'own', 'idle'].includes(r.host));
    router.rebuildNow();
  });

  test('forwarded headers: X-Forwarded-For appended, Proto, Request-Start, request id, X-CF-*', async () => {
    const a = await app(t, 'hdr', 1);
    track(a.servers);
    t.routes.push({ host: 'hdr', path: '', apps: [a.guid] });
    router.rebuildNow();
    const ep = t.instances.get(a.guid)![0]!;
    const r1 = (await get('hdr.localhost', '/x?y=1', { headers: { 'x-forwarded-for': '10.0.0.1', 'x-cf-instanceid': 'spoofed', 'x-vcap-request-id': 'mine' } }))
      .json;
    assert.equal(r1.url, '/x?y=1');
    assert.equal(r1.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(r1.headers['x-forwarded-proto'], 'http');
    assert.match(r1.headers['x-request-start'], /^\d{13}$/);
    assert.ok(Math.abs(Number(r1.headers['x-request-start']) - Date.now()) < 5000);
    assert.match(r1.headers['x-vcap-request-id'], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r1.headers['x-cf-applicationid'], a.guid);
    assert.equal(r1.headers['x-cf-instanceindex'], '0');
    assert.equal(r1.headers['x-cf-instanceid'], ep.instanceGuid);
    assert.equal(r1.headers.host, 'hdr.localhost');
    assert.equal(r1.headers.connection, undefined);
    const r2 = (await get('hdr.localhost', '/', { headers: { 'x-forwarded-proto': 'https', 'x-request-start': '123' } })).json;
    assert.equal(r2.headers['x-forwarded-proto'], 'https');
    assert.equal(r2.headers['x-request-start'], '123');
    assert.equal(r2.headers['x-forwarded-for'], '127.0.0.1');
    assert.notEqual(r2.headers['x-vcap-request-id'], r1.headers['x-vcap-request-id']);
    // The RTR access line lands in the app's log stream.
    const lines = t.logs.read(a.guid, { limit: 1000 }).map((e) => Buffer.from(e.log.payload, 'base64').toString());
    assert.ok(
      lines.some((l) => l.includes('"GET /x?y=1 HTTP/1.1" 200') && l.includes(r1.headers['x-vcap-request-id'])),
      lines.join('\n'),
    );
  });

  test('X-CF-APP-INSTANCE pins an instance; malformed or unknown ones are 400s as in gorouter', async () => {
    const a = await app(t, 'pin', 3);
    track(a.servers);
    t.routes.push({ host: 'pin', path: '', apps: [a.guid] });
    router.rebuildNow();
    for (let i = 0; i < 4; i++) assert.equal((await get('pin.localhost', '/', { headers: { 'x-cf-app-instance': `${a.guid}:2` } })).json.index, 2);
    const bad = await get('pin.localhost', '/', { headers: { 'x-cf-app-instance': 'not-a-guid:1' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.text, '400 Bad Request: Invalid X-CF-App-Instance Header\n');
    assert.equal(bad.headers['x-cf-routererror'], 'invalid_cf_app_instance_header');
    assert.equal(bad.headers['cache-control'], 'no-cache, no-store');
    assert.equal((await get('pin.localhost', '/', { headers: { 'x-cf-app-instance': a.guid } })).status, 400);
    const other = randomUUID();
    const unknown = await get('pin.localhost', '/', { headers: { 'x-cf-app-instance': `${other}:0` } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.text, `400 Bad Request: Requested instance ('0') with guid ('${other}') does not exist for route ('pin.localhost')\n`);
    assert.equal(unknown.headers['x-cf-routererror'], 'unknown_route');
    assert.equal((await get('pin.localhost', '/', { headers: { 'x-cf-app-instance': `${a.guid}:7` } })).status, 400);
  });

  test('dead backend: 502 endpoint_failure with the dial error', async () => {
    const guid = randomUUID();
    const port = await closedPort();
    t.instances.set(guid, [{ port, appGuid: guid, index: 0, instanceGuid: randomUUID() }]);
    t.routes.push({ host: 'dead', path: '', apps: [guid] });
    router.rebuildNow();
    const res = await get('dead.localhost');
    assert.equal(res.status, 502);
    assert.equal(res.text, '502 Bad Gateway: Registered endpoint failed to handle the request.\n');
    assert.equal(res.headers['x-cf-routererror'], `endpoint_failure (dial tcp 127.0.0.1:${port}: connect: connection refused)`);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  test('safe retries: dial errors go to another instance (any method); a dropped connection only for idempotent requests', async () => {
    const live = await app(t, 'live', 1);
    track(live.servers);
    const guid = randomUUID();
    const deadPort = await closedPort();
    const liveEp = t.instances.get(live.guid)![0]!;
    t.instances.set(guid, [
      { port: deadPort, appGuid: guid, index: 0, instanceGuid: randomUUID() },
      { ...liveEp, appGuid: guid, index: 1 },
    ]);
    t.routes.push({ host: 'retry', path: '', apps: [guid] });
    router.rebuildNow();
    for (let i = 0; i < 4; i++) {
      const res = await get('retry.localhost', '/', { method: i % 2 ? 'POST' : 'GET', body: i % 2 ? 'payload' : undefined });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.app, 'live');
      if (i % 2) assert.equal(res.json.body, 'payload');
    }

    // A backend that accepts, reads the request and drops the connection.
    let hits = 0;
    const dropper = netServer((s) => {
      s.once('data', () => {
        hits++;
        s.destroy();
      });
    });
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', r));
    closers.push(() => dropper.close());
    const g2 = randomUUID();
    const dropEp = { port: (dropper.address() as AddressInfo).port, appGuid: g2, index: 0, instanceGuid: randomUUID() };
    t.instances.set(g2, [dropEp, { ...liveEp, appGuid: g2, index: 1, instanceGuid: randomUUID() }]);
    t.routes.push({ host: 'drop', path: '', apps: [g2] });
    router.rebuildNow();
    const pinDrop = { 'x-cf-app-instance': `${g2}:0` };
    // Pinned to the dropping instance, a POST is not replayed: 502 after one attempt.
    hits = 0;
    const post = await get('drop.localhost', '/', { method: 'POST', body: 'x', headers: pinDrop });
    assert.equal(post.status, 502);
    assert.match(post.headers['x-cf-routererror'] as string, /^endpoint_failure \(.+\)$/);
    assert.equal(hits, 1);
    // Unpinned GETs that meet the dropping instance are retried on the live one.
    for (let i = 0; i < 4; i++) {
      const res = await get('drop.localhost', '/');
      assert.equal(res.status, 200);
      assert.equal(res.json.app, 'live');
    }
  });

  test('a failed endpoint is skipped for a while', async () => {
    const live = await app(t, 'skip', 1);
    track(live.servers);
    let conns = 0;
    const dropper = netServer((s) => {
      conns++;
      s.destroy();
    });
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', r));
    closers.push(() => dropper.close());
    const guid = randomUUID();
    const liveEp = t.instances.get(live.guid)![0]!;
    t.instances.set(guid, [
      { port: (dropper.address() as AddressInfo).port, appGuid: guid, index: 0, instanceGuid: randomUUID() },
      { ...liveEp, appGuid: guid, index: 1 },
    ]);
    t.routes.push({ host: 'skip', path: '', apps: [guid] });
    router.rebuildNow();
    for (let i = 0; i < 6; i++) assert.equal((await get('skip.localhost')).status, 200);
    assert.equal(conns, 1, 'the dropping instance got one connection, then was marked failed');
  });

  test('a response head with bare LF line endings is accepted, as gorouter (Go net/http) does, and sent on with CRLF', async () => {
    const replies = ['HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 2\n\nok', 'HTTP/1.1 201 Created\r\nContent-Length: 3\n\r\nyes'];
    for (const [i, reply] of replies.entries()) {
      const raw = netServer((s) => s.once('data', () => s.end(reply, 'latin1')));
      await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
      closers.push(() => raw.close());
      const guid = randomUUID();
      t.instances.set(guid, [{ port: (raw.address() as AddressInfo).port, appGuid: guid, index: 0, instanceGuid: randomUUID() }]);
      t.routes.push({ host: `barelf${i}`, path: '', apps: [guid] });
      router.rebuildNow();
      const res = await get(`barelf${i}.localhost`);
      assert.equal(res.status, i === 0 ? 200 : 201, res.text);
      assert.equal(res.text, i === 0 ? 'ok' : 'yes');
      if (i === 0) assert.equal(res.headers['content-type'], 'text/plain');
    }
  });

  test('WebSocket echo through the router, no endpoint timeout', async () => {
    const srv = createServer((_q, s) => s.end('not ws'));
    const wss = new WebSocketServer({ server: srv });
    wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`${m} (${req.headers['x-cf-instanceindex']})`)));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    closers.push(() => {
      wss.close();
      srv.closeAllConnections();
      srv.close();
    });
    const guid = randomUUID();
    t.instances.set(guid, [{ port: (srv.address() as AddressInfo).port, appGuid: guid, index: 0, instanceGuid: randomUUID() }]);
    t.routes.push({ host: 'ws', path: '', apps: [guid] });
    router.rebuildNow();
    const ws = new WebSocket(`ws://127.0.0.1:${routerPort}/chat`, { headers: { host: 'ws.localhost' } });
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    const replies: string[] = [];
    for (const m of ['one', 'two', 'x'.repeat(100_000)]) {
      ws.send(m);
      replies.push(await new Promise<string>((r) => ws.once('message', (d) => r(d.toString()))));
    }
    assert.deepEqual(replies.slice(0, 2), ['one (0)', 'two (0)']);
    assert.equal(replies[2]!.length, 100_000 + 4);
    assert.equal(router.waiting, 0, 'upgrades are not under the endpoint timeout');
    ws.terminate();
    // A plain request to the same app still works.
    assert.equal((await get('ws.localhost')).text, 'not ws');
  });

  test('route change is atomic: an in-flight slow request finishes on the old app, new ones go to the new app', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const oldApp = await app(t, 'old', 1, (req, res) => {
      if (req.url === '/slow') void gate.then(() => res.end('old-slow'));
      else res.end('old');
    });
    const newApp = await app(t, 'new', 1, (_req, res) => res.end('new'));
    track([...oldApp.servers, ...newApp.servers]);
    const route: FakeRoute = { host: 'swap', path: '', apps: [oldApp.guid] };
    t.routes.push(route);
    router.rebuildNow();
    assert.equal((await get('swap.localhost')).text, 'old');
    const slow = get('swap.localhost', '/slow');
    await new Promise((r) => setTimeout(r, 100));
    route.apps = [newApp.guid];
    router.rebuild(); // as the CC does: coalesced, applied before the next request is read
    await Promise.resolve();
    const after = await Promise.all(Array.from({ length: 10 }, () => get('swap.localhost')));
    assert.deepEqual(new Set(after.map((r) => r.text)), new Set(['new']));
    release();
    const s = await slow;
    assert.equal(s.status, 200);
    assert.equal(s.text, 'old-slow');
  });

  test('keep-alive, pipelined batches and bodies: every response reaches its own request', async () => {
    const a = await app(t, 'bodies', 2, (req, res, i) => {
      const u = new URL(req.url!, 'http://x');
      const n = Number(u.searchParams.get('n') ?? 0);
      const delay = Number(u.searchParams.get('delay') ?? 0);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () =>
        setTimeout(() => {
          const out = `${req.method} ${req.url} ${i} ${body.length} ${'z'.repeat(n)}`;
          if (u.searchParams.has('chunked')) {
            res.write(out.slice(0, 10));
            res.end(out.slice(10));
          } else res.end(out);
        }, delay),
      );
    });
    track(a.servers);
    t.routes.push({ host: 'bodies', path: '', apps: [a.guid] });
    router.rebuildNow();
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    closers.push(() => agent.destroy());
    const jobs: Promise<void>[] = [];
    for (let k = 0; k < 60; k++) {
      const q = `/r${k}?n=${(k * 7919) % 70_000}${k % 3 === 0 ? '&chunked' : ''}${k % 10 === 0 ? '&delay=50' : ''}`;
      const post = k % 4 === 1;
      const body = post ? 'b'.repeat(k * 100) : undefined;
      jobs.push(
        get('bodies.localhost', q, { method: post ? 'POST' : k % 4 === 2 ? 'HEAD' : 'GET', body, agent }).then((res) => {
          assert.equal(res.status, 200);
          if (k % 4 === 2) return assert.equal(res.text, '');
          const [m, u, , len, z] = res.text.split(' ');
          assert.equal(m, post ? 'POST' : 'GET');
          assert.equal(u, q);
          assert.equal(Number(len), body?.length ?? 0);
          assert.equal(z!.length, (k * 7919) % 70_000);
        }),
      );
    }
    await Promise.all(jobs);
    // A chunked request body (no Content-Length) goes through intact.
    const chunked = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: routerPort, path: '/c', method: 'PUT', headers: { host: 'bodies.localhost' }, agent: false }, (res) => {
        let s = '';
        res.on('data', (c) => (s += c));
        res.on('end', () => resolve(s));
      });
      req.on('error', reject);
      req.write('abc');
      setTimeout(() => req.end('defg'), 20);
    });
    assert.match(chunked, /^PUT \/c \d 7 $/);
  });

  test('large responses to slow clients arrive intact (the backend read buffer is not reused under a pending write)', async () => {
    const { createHash, randomBytes } = await import('node:crypto');
    const bodies = Array.from({ length: 2 }, () => randomBytes(12 * 1024 * 1024 + 17));
    // Small pieces: the router's reads are smaller than a socket's high-water mark, so its writes
    // to a client that is not reading queue up without returning false.
    const a = await app(t, 'big', 1, (req, res) => {
      const body = bodies[Number(req.url!.slice(1))]!;
      res.setHeader('content-length', body.length);
      let at = 0;
      const more = () => {
        while (at < body.length) {
          const ok = res.write(body.subarray(at, (at += 3000)));
          if (!ok) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    track(a.servers);
    t.routes.push({ host: 'big', path: '', apps: [a.guid] });
    router.rebuildNow();
    const fetchSlow = (k: number) =>
      new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: routerPort, path: `/${k}`, headers: { host: 'big.localhost' }, agent: false }, (res) => {
          const h = createHash('sha256');
          res.pause();
          setTimeout(() => res.resume(), 500);
          res.on('data', (c: Buffer) => h.update(c));
          res.on('end', () => resolve(h.digest('hex')));
        });
        req.on('error', reject);
        req.end();
      });
    const got = await Promise.all(bodies.map((_, k) => fetchSlow(k)));
    assert.deepEqual(
      got,
      bodies.map((b) => createHash('sha256').update(b).digest('hex')),
    );
  });

  test('HTTP/1.0 and Connection: close are answered and the connection closed', async () => {
    const a = await app(t, 'ten', 1, (_req, res) => res.end('ten'));
    track(a.servers);
    t.routes.push({ host: 'ten', path: '', apps: [a.guid] });
    router.rebuildNow();
    const out = await raw('GET / HTTP/1.0\r\nHost: ten.localhost\r\n\r\n');
    assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(out.endsWith('\r\n\r\nten'));
    const out2 = await raw('GET / HTTP/1.1\r\nHost: ten.localhost\r\nConnection: close\r\n\r\n');
    assert.match(out2, /\r\nConnection: close\r\n/);
    assert.ok(out2.endsWith('\r\n\r\nten'));
  });
});

async function closedPort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('router wire: response heads on bytes', () => {
  // scanResponseHead rewrites a head in place on the read buffer; parseResponseHead is the string path.
  const heads = [
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5',
    'HTTP/1.1 204 No Content\r\nDate: x',
    'HTTP/1.0 200 OK\r\nconnection: Keep-Alive\r\nContent-Length:  12 \r\nX-A: b',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked \r\nTE: trailers\r\nTrailer: X\r\nProxy-Connection: x\r\nUpgrade: h2c\r\nX-Last: 1',
    'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0',
    'HTTP/1.1 302 Found\r\nLocation: /x\r\nConnection: close, Upgrade\r\nX-Keep: keep-alive',
  ];
  test('the byte path rewrites a head as the string parser does, body bytes right after it', () => {
    for (const h of heads) {
      const want = parseResponseHead(h)!;
      const buf = Buffer.from(`junk${h}\r\n\r\nBODY`, 'latin1');
      const at = scanResponseHead(buf, 4, 4 + h.length);
      assert.ok(at >= 4, h);
      assert.equal(buf.toString('latin1', at), `${want.out}\r\nBODY`, h);
      assert.deepEqual({ ...resScan }, { status: want.status, contentLength: want.contentLength, chunked: want.chunked, close: want.close }, h);
      assert.equal(buf.toString('latin1', 0, 4), 'junk');
    }
    const slow = ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade', 'HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: 1'];
    for (const h of slow) assert.equal(scanResponseHead(Buffer.from(`${h}\r\n\r\n`), 0, h.length), -2, h);
    for (const h of ['HTTP/2 200 OK', 'HTTP/1.1 2x0 OK', 'HTTP/1.1 200 OK\r\nNoColon', 'HTTP/1.1 200 OK\r\nContent-Length: 1x'])
      assert.equal(scanResponseHead(Buffer.from(`${h}\r\n\r\n`), 0, h.length), -1, h);
  });
});

describe('router wire: request heads on bytes', () => {
  const heads = [
    'GET /a?b=c HTTP/1.1\r\nHost: app.localhost\r\nUser-Agent: wrk\r\nAccept: */*',
    'POST /p HTTP/1.1\r\nhost: x.localhost:8080\r\nConnection: keep-alive\r\nKeep-Alive: 5\r\nContent-Length: 3\r\nX-Forwarded-For: 1.2.3.4\r\nx-forwarded-for: 5.6.7.8\r\nX-Vcap-Request-Id: mine\r\nX-Cf-Applicationid: spoof\r\nX-Cf-Instanceindex: 9\r\nX-Cf-Instanceid: spoof\r\nReferer: http://r/\r\nTE: trailers\r\nTrailer: X',
    'GET /ws HTTP/1.1\r\nHost: ws.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Forwarded-Proto: https\r\nX-Request-Start: 17\r\nProxy-Connection: x\r\nIdempotency-Key: k',
    'GET / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive',
    'PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\nX-CF-APP-INSTANCE: 0a0a0a0a-0a0a-0a0a-0a0a-0a0a0a0a0a0a:1',
  ];
  const lines = (h: string) =>
    h
      .split('\r\n')
      .filter(Boolean)
      .map((l, i) => (i === 0 ? l : l.replace(/^([^:]+):\s*(.*?)\s*$/, '$1: $2')))
      .map((l) => l.replace(/^(X-Vcap-Request-Id: ).*/, '$1<id>'));
  test('the byte path finds what the string parser finds, and writes the same app head', () => {
    const tail = Buffer.from('X-Cf-Applicationid: g\r\nX-Cf-Instanceindex: 0\r\nX-Cf-Instanceid: i\r\n\r\n', 'latin1');
    for (const h of heads) {
      const want = parseRequestHead(h) as RequestHead;
      const buf = Buffer.from(`\r\n${h}\r\n\r\n`, 'latin1');
      const got = scanRequestHead(buf, 2, 2 + h.length, new HeadStrings()) as RequestHead;
      for (const k of [
        'method',
        'target',
        'minor',
        'host',
        'contentLength',
        'chunked',
        'close',
        'upgrade',
        'pin',
        'idempotencyKey',
        'userAgent',
        'referer',
      ] as const)
        assert.equal(got[k], want[k], `${k} of ${h}`);
      const fa = { xff: '', proto: 'http' };
      const fb = { xff: '', proto: 'http' };
      const out = writeForwardHead(buf, 2, 2 + h.length, scanned, got.upgrade, '10.0.0.1', 1700000000123, tail, fa);
      const str = forwardHead(want, '10.0.0.1', 1700000000123, 'x', fb) + tail.toString('latin1');
      assert.deepEqual(lines(out.buf.toString('latin1')), lines(str), h);
      assert.deepEqual(fa, fb);
      assert.match(out.buf.toString('latin1', out.idAt, out.idAt + 36), /^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/);
      assert.ok(out.buf.toString('latin1').endsWith('\r\n\r\n'));
    }
    assert.equal(scanRequestHead(Buffer.from('GET / HTTP/1.1\r\nConnection: x-a\r\nX-A: 1\r\n\r\n'), 0, 41, new HeadStrings()), null);
    for (const h of ['GET / HTTP/2.0', 'GET  HTTP/1.1', 'GET / HTTP/1.1\r\n folded', 'GET / HTTP/1.1\r\nBad Name: 1', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b'])
      assert.equal(scanRequestHead(Buffer.from(`${h}\r\n\r\n`), 0, h.length, new HeadStrings()), 'bad', h);
  });
});

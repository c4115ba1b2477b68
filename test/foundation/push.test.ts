// The whole push flow over raw HTTP, then traffic through the router:
// gorouter errors, round-robin, a failing backend, WebSockets, crash restarts
// and desired state surviving a foundation restart.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { RunningFoundation } from '../../src/foundation/server';
import { Api, cleanup, http, nodeApp, push, startTestFoundation, tempDir, until, waitRunning } from './helpers';

let f: RunningFoundation;
let api: Api;
let dataDir: string;
const dirs: string[] = [];

function helloNodeDir(): string {
  const example = resolve(__dirname, '../../../examples/hello-node');
  if (existsSync(join(example, 'package.json'))) return example;
  const dir = nodeApp('hello-node', `require('http').createServer((q, s) => s.end('hello CF summit')).listen(process.env.PORT);`);
  dirs.push(dir);
  return dir;
}

function routerGet(host: string, path = '/', headers: Record<string, string> = {}) {
  return http(`${f.routerUrl}${path}`, { headers: { host, ...headers } });
}

// Answers with its instance index and the headers it received; echoes WebSocket frames raw.
const INDEX_APP = `
const http = require('http');
const crypto = require('crypto');
const srv = http.createServer((req, res) => {
  if (req.url === '/crash') { res.end('bye'); setTimeout(() => process.exit(3), 10); return; }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ index: process.env.CF_INSTANCE_INDEX, url: req.url, headers: req.headers }));
});
srv.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  // Unmask one small text frame from the client and send it back unmasked.
  socket.on('data', (b) => {
    const len = b[1] & 0x7f, mask = b.slice(2, 6), data = Buffer.alloc(len);
    for (let i = 0; i < len; i++) data[i] = b[6 + i] ^ mask[i % 4];
    socket.write(Buffer.concat([Buffer.from([0x81, len]), data]));
  });
});
srv.listen(process.env.PORT, () => console.log('index app ' + process.env.CF_INSTANCE_INDEX + ' up'));
`;

// Accepts TCP (so the port health check passes) and drops every connection.
const RESET_APP = `require('net').createServer((s) => s.destroy()).listen(process.env.PORT);`;

before(async () => {
  dataDir = tempDir();
  f = await startTestFoundation(dataDir);
  api = await Api.connect(f);
});
after(async () => {
  await f?.close();
  cleanup(dataDir);
  for (const d of dirs) cleanup(d);
});

describe('push and route', { concurrency: false }, () => {
  let helloGuid: string;

  test('full push of hello-node over raw HTTP, answered through the router', async () => {
    const { app, build } = await push(api, 'hello-node', helloNodeDir());
    helloGuid = app.guid;
    assert.equal(build.state, 'STAGED');
    assert.equal(build.error, null);

    const droplet = (await api.get(`/v3/droplets/${build.droplet.guid}`)).json;
    assert.equal(droplet.state, 'STAGED');
    assert.equal(droplet.stack, 'cflinuxfs4');
    assert.equal(typeof droplet.process_types.web, 'string');
    assert.equal(droplet.buildpacks[0].buildpack_name, 'nodejs');
    assert.equal(droplet.links.self.href, `${f.apiUrl}/v3/droplets/${droplet.guid}`);
    assert.equal((await api.get(`/v3/apps/${app.guid}/droplets/current`)).json.guid, droplet.guid);

    const stg = (await api.get(`/api/v1/read/${app.guid}?start_time=0&envelope_types=LOG`)).json.envelopes.batch;
    const stgLines = stg.filter((e: any) => e.tags.source_type === 'STG');
    assert.ok(stgLines.length > 0, 'staging output is in log-cache');
    assert.match(stgLines[0].timestamp, /^\d+$/);
    assert.equal(stgLines[0].source_id, app.guid);
    assert.ok(['OUT', 'ERR'].includes(stgLines[0].log.type));
    assert.ok(stgLines.some((e: any) => /Nodejs Buildpack/i.test(Buffer.from(e.log.payload, 'base64').toString())));

    const stats = await waitRunning(api, app.guid);
    assert.equal(stats[0].state, 'RUNNING');
    assert.equal(stats[0].host, '127.0.0.1');
    assert.ok(stats[0].instance_ports[0].external > 0);
    assert.equal(typeof stats[0].uptime, 'number');
    assert.equal((await api.get(`/v3/apps/${app.guid}`)).json.state, 'STARTED');

    const res = await routerGet('hello-node.localhost');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'hello CF summit');
    const withPort = await routerGet(`Hello-Node.LOCALHOST:${new URL(f.routerUrl).port}`);
    assert.equal(withPort.text, 'hello CF summit');

    const appLogs = await until(
      async () => {
        const b = (await api.get(`/api/v1/read/${app.guid}?start_time=0`)).json.envelopes.batch;
        return b.some((e: any) => e.tags.source_type === 'APP/PROC/WEB') ? b : undefined;
      },
      5000,
      'app logs',
    );
    assert.equal(appLogs.find((e: any) => e.tags.source_type === 'APP/PROC/WEB').instance_id, '0');
  });

  test('a second concurrent build is refused with CF-StagingInProgress', async () => {
    const pkg = (await api.get(`/v3/packages?app_guids=${helloGuid}&states=READY&order_by=-created_at`)).json.resources[0];
    const first = await api.post('/v3/builds', { package: { guid: pkg.guid } });
    assert.equal(first.status, 201);
    assert.equal(first.json.state, 'STAGING');
    const second = await api.post('/v3/builds', { package: { guid: pkg.guid } });
    assert.equal(second.status, 422);
    assert.equal(second.json.errors[0].code, 170017);
    assert.equal(second.json.errors[0].title, 'CF-StagingInProgress');
    await until(async () => (await api.get(`/v3/builds/${first.json.guid}`)).json.state !== 'STAGING', 60_000, 'build');
  });

  test('unknown route: gorouter 404 body and headers', async () => {
    const host = `nope.localhost:${new URL(f.routerUrl).port}`;
    const res = await routerGet(host);
    assert.equal(res.status, 404);
    assert.equal(res.text, `404 Not Found: Requested route ('${host}') does not exist.\n`);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-cf-routererror'], 'unknown_route');
    assert.equal(res.headers['cache-control'], 'no-cache, no-store');
  });

  test('round-robin over 3 instances, forwarded headers, path routes', async () => {
    const dir = nodeApp('rr', INDEX_APP);
    dirs.push(dir);
    const { app } = await push(api, 'rr', dir, '  instances: 3\n  routes:\n  - route: rr.localhost\n  - route: rr.localhost/only\n');
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push((await routerGet('rr.localhost')).json.index);
    assert.deepEqual([...seen].sort(), ['0', '0', '1', '1', '2', '2']);
    assert.notEqual(seen[0], seen[1]);

    const echo = (await routerGet('rr.localhost', '/x?y=1', { 'x-forwarded-for': '10.0.0.1' })).json;
    assert.equal(echo.url, '/x?y=1');
    assert.equal(echo.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(echo.headers['x-forwarded-proto'], 'http');
    assert.match(echo.headers['x-vcap-request-id'], /^[0-9a-f-]{36}$/);
    assert.match(echo.headers['x-request-start'], /^\d{13}$/);
    assert.equal(echo.headers['x-cf-applicationid'], app.guid);
    assert.match(echo.headers['x-cf-instanceindex'], /^[012]$/);
    assert.equal((await routerGet('rr.localhost', '/only/deeper')).status, 200);
  });

  test('WebSocket upgrades are proxied', async () => {
    const ws = new WebSocket(`${f.routerUrl.replace('http', 'ws')}/`, { headers: { host: 'rr.localhost' } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('ping over router'));
      ws.once('message', (m) => resolve(m.toString()));
      ws.once('error', reject);
    });
    ws.terminate();
    assert.equal(reply, 'ping over router');
  });

  test('a crashed instance is restarted and reported', async () => {
    const app = (await api.get('/v3/apps?names=rr')).json.resources[0];
    await routerGet('rr.localhost', '/crash');
    const logs = await until(
      async () => {
        const b = (await api.get(`/api/v1/read/${app.guid}?start_time=0`)).json.envelopes.batch;
        return b.some((e: any) => /Exited with status 3/.test(Buffer.from(e.log.payload, 'base64').toString())) ? b : undefined;
      },
      10_000,
      'crash log',
    );
    assert.ok(logs.length > 0);
    const stats = await waitRunning(api, app.guid, 30_000);
    assert.equal(stats.length, 3);
  });

  test('scaling down stops instances; stopping takes the route away', async () => {
    const app = (await api.get('/v3/apps?names=rr')).json.resources[0];
    const web = (await api.get(`/v3/apps/${app.guid}/processes/web`)).json;
    await api.post(`/v3/processes/${web.guid}/actions/scale`, { instances: 1 });
    await until(async () => (await api.get(`/v3/processes/${web.guid}/stats`)).json.resources.length === 1, 10_000, 'scale down');
    for (let i = 0; i < 3; i++) assert.equal((await routerGet('rr.localhost')).json.index, '0');
    const stopped = await api.post(`/v3/apps/${app.guid}/actions/stop`);
    assert.equal(stopped.json.state, 'STOPPED');
    const res = await routerGet('rr.localhost');
    assert.equal(res.status, 404);
  });

  test('a backend that drops connections gives gorouter 502', async () => {
    const dir = nodeApp('dead', RESET_APP);
    dirs.push(dir);
    await push(api, 'dead', dir);
    const res = await routerGet('dead.localhost');
    assert.equal(res.status, 502);
    assert.equal(res.text, '502 Bad Gateway: Registered endpoint failed to handle the request.\n');
    assert.match(res.headers['x-cf-routererror'] as string, /^endpoint_failure \(.+\)$/);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  });

  test('STARTED apps start again after a foundation restart', async () => {
    await f.close();
    f = await startTestFoundation(dataDir);
    api = await Api.connect(f);
    await waitRunning(api, helloGuid);
    const res = await until(
      async () => {
        const r = await routerGet('hello-node.localhost');
        return r.status === 200 ? r : undefined;
      },
      10_000,
      'route after restart',
    );
    assert.equal(res.text, 'hello CF summit');
    // rr was stopped before the restart and stays stopped.
    const rr = (await api.get('/v3/apps?names=rr')).json.resources[0];
    assert.equal(rr.state, 'STOPPED');
  });
});

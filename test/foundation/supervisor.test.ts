// The supervisor with real processes: health checks (http endpoint, process,
// port timeout → CRASHED with a CELL line), /stats shape and usage, graceful
// stop (SIGTERM honoured; SIGKILL after the grace period), liveness restarts,
// and the crash back-off schedule.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningFoundation } from '../../src/foundation/server';
import { goDuration, restartDelay, SUPERVISOR_DEFAULTS } from '../../src/foundation/supervisor';
import { Api, cleanup, http, nodeApp, tempDir, until } from './helpers';
import { alive, killMarked, readLines, stageAndStart, stats, waitLine } from './supervisor-helpers';
import { startFoundation } from '../../src/foundation/server';

const GRACE_MS = 1500;
let f: RunningFoundation;
let api: Api;
const dirs: string[] = [];

before(async () => {
  const dataDir = tempDir();
  dirs.push(dataDir);
  f = await startFoundation({
    dataDir,
    apiPort: 0,
    routerPort: 0,
    supervisor: { stopGraceMs: GRACE_MS, backoffMs: 300, maxBackoffMs: 1000, livenessIntervalMs: 200 },
  });
  api = await Api.connect(f);
});

after(async () => {
  await f?.close();
  if (f) killMarked(f.dataDir);
  for (const d of dirs) cleanup(d);
});

function app(name: string, js: string): string {
  const dir = nodeApp(name, js);
  dirs.push(dir);
  return dir;
}

const viaRouter = (host: string, path = '/') => http(`${f.routerUrl}${path}`, { headers: { host: `${host}.localhost` } });

describe('health checks', { timeout: 120_000 }, () => {
  test('http: the endpoint (not /) decides; 2 instances RUNNING with their own PORT, usage and uptime in /stats', async () => {
    const dir = app(
      'hc-http',
      `
      const http = require('http');
      http.createServer((q, s) => {
        if (q.url === '/health') return s.end('ok');
        if (q.url === '/') { s.statusCode = 500; return s.end('root fails on purpose'); }
        s.end(JSON.stringify({ port: process.env.PORT, index: process.env.CF_INSTANCE_INDEX }));
      }).listen(process.env.PORT);
    `,
    );
    const { app: a, web } = await stageAndStart(
      api,
      'hc-http',
      dir,
      '  command: node server.js\n  instances: 2\n  health-check-type: http\n  health-check-http-endpoint: /health\n  timeout: 10\n',
    );
    const st = await until(
      async () => {
        const s = await stats(api, web.guid);
        return s.length === 2 && s.every((x) => x.state === 'RUNNING') ? s : undefined;
      },
      30_000,
      'hc-http RUNNING',
    );
    // Usage comes from a /proc scan a moment old: one taken as an instance started sees its launcher, before exec.
    await until(async () => (await stats(api, web.guid)).every((x) => x.usage.mem > 1024 * 1024), 10_000, 'usage.mem from /proc above 1 MB for both instances');
    const ports = st.map((s) => s.instance_ports[0].internal);
    assert.notEqual(ports[0], ports[1], 'one PORT per instance');
    for (const s of st) {
      assert.equal(s.type, 'web');
      assert.equal(s.host, '127.0.0.1');
      assert.equal(s.instance_ports[0].external, s.instance_ports[0].internal);
      assert.ok(Number.isInteger(s.uptime) && s.uptime >= 0);
      assert.ok(typeof s.usage.cpu === 'number' && s.usage.cpu >= 0 && s.usage.cpu < 4, `usage.cpu is a fraction: ${s.usage.cpu}`);
      assert.equal(s.mem_quota, 64 * 1024 * 1024);
      const r = await http(`http://127.0.0.1:${s.instance_ports[0].internal}/whoami`);
      assert.deepEqual(JSON.parse(r.text), { port: String(s.instance_ports[0].internal), index: String(s.index) });
    }
    // A second /stats call measures CPU over the interval since the first.
    const again = await stats(api, web.guid);
    assert.ok(again.every((s) => s.usage.cpu >= 0 && s.usage.cpu < 4));
    const lines = await readLines(api, a.guid);
    assert.ok(lines.some((l) => l.source === 'CELL' && l.text === 'Container became healthy'));
  });

  test('http: an endpoint that never answers 200 times out → CRASHED with a CELL line', async () => {
    const dir = app('hc-404', `require('http').createServer((q, s) => { s.statusCode = 404; s.end(); }).listen(process.env.PORT);`);
    // 3 s, not 1: on a busy machine node alone can take a second to listen, and then no check ever sees the 404.
    const { app: a, web } = await stageAndStart(
      api,
      'hc-404',
      dir,
      '  command: node server.js\n  health-check-type: http\n  health-check-http-endpoint: /ready\n  timeout: 3\n',
    );
    const line = await waitLine(
      api,
      a.guid,
      (l) => l.source === 'CELL' && /Timed out after 3s: health check never passed\./.test(l.text),
      30_000,
      'timeout line',
    );
    assert.equal(line.stream, 'ERR');
    await waitLine(
      api,
      a.guid,
      (l) => l.source === 'CELL' && /Failed to make HTTP request to '\/ready' on port \d+: received status code 404/.test(l.text),
      5_000,
      'the 404 the check saw',
    );
    const crashed = await until(async () => (await stats(api, web.guid)).find((s) => s.state === 'CRASHED'), 20_000, 'CRASHED');
    assert.match(crashed.details, /never healthy after 3s/);
    // The API line follows the crash: read it after, not with the timeout line.
    await waitLine(api, a.guid, (l) => l.source === 'API' && /App instance exited with guid .*"reason"=>"CRASHED"/.test(l.text), 10_000, 'the API crash line');
    await api.post(`/v3/apps/${a.guid}/actions/stop`);
  });

  test('process: an instance that never listens is RUNNING; with the port check it times out', async () => {
    const js = `console.log('worker up'); setInterval(() => {}, 1 << 30);`;
    const w = await stageAndStart(api, 'hc-process', app('hc-process', js), '  command: node server.js\n  health-check-type: process\n  no-route: true\n');
    await until(async () => (await stats(api, w.web.guid))[0]?.state === 'RUNNING', 20_000, 'process check RUNNING');
    await waitLine(api, w.app.guid, (l) => l.source === 'APP/PROC/WEB' && l.text === 'worker up', 10_000, 'worker output');

    const p = await stageAndStart(api, 'hc-port', app('hc-port', js), '  command: node server.js\n  timeout: 1\n  no-route: true\n');
    await waitLine(api, p.app.guid, (l) => l.source === 'CELL' && l.text === 'Timed out after 1s: health check never passed.', 20_000, 'port timeout');
    await until(async () => (await stats(api, p.web.guid))[0]?.state === 'CRASHED', 20_000, 'port check CRASHED');
    assert.equal((await stats(api, w.web.guid))[0].state, 'RUNNING', 'the process-checked twin is still fine');
    await api.post(`/v3/apps/${w.app.guid}/actions/stop`);
    await api.post(`/v3/apps/${p.app.guid}/actions/stop`);
  });
});

describe('graceful stop', { timeout: 120_000 }, () => {
  test('SIGTERM is honoured: the app says goodbye and stops well within the grace period', async () => {
    const dir = app(
      'polite',
      `
      require('http').createServer((q, s) => s.end('hi')).listen(process.env.PORT);
      console.log('pid=' + process.pid);
      process.on('SIGTERM', () => { console.log('got SIGTERM, bye'); process.exit(0); });
    `,
    );
    const { app: a, web } = await stageAndStart(api, 'polite', dir, '  command: node server.js\n');
    await until(async () => (await stats(api, web.guid))[0]?.state === 'RUNNING', 20_000, 'polite RUNNING');
    const pid = Number((await waitLine(api, a.guid, (l) => l.text.startsWith('pid='), 10_000, 'pid')).text.slice(4));
    const t0 = Date.now();
    const r = await api.post(`/v3/apps/${a.guid}/actions/stop`);
    assert.equal(r.status, 200);
    const took = Date.now() - t0;
    assert.ok(took < GRACE_MS, `stopped in ${took} ms, before the ${GRACE_MS} ms grace`);
    assert.equal(alive(pid), false);
    const lines = await readLines(api, a.guid);
    assert.ok(lines.some((l) => l.source === 'APP/PROC/WEB' && l.text === 'got SIGTERM, bye'));
    assert.ok(!lines.some((l) => /sending SIGKILL/.test(l.text)));
    assert.equal((await stats(api, web.guid))[0].state, 'DOWN');
  });

  test('SIGTERM ignored: SIGKILL after the grace period', async () => {
    const dir = app(
      'stubborn',
      `
      require('http').createServer((q, s) => s.end('hi')).listen(process.env.PORT);
      console.log('pid=' + process.pid);
      process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
    `,
    );
    const { app: a, web } = await stageAndStart(api, 'stubborn', dir, '  command: node server.js\n');
    await until(async () => (await stats(api, web.guid))[0]?.state === 'RUNNING', 20_000, 'stubborn RUNNING');
    const pid = Number((await waitLine(api, a.guid, (l) => l.text.startsWith('pid='), 10_000, 'pid')).text.slice(4));
    const t0 = Date.now();
    await api.post(`/v3/apps/${a.guid}/actions/stop`);
    const took = Date.now() - t0;
    assert.ok(took >= GRACE_MS - 50, `SIGKILL came after the grace (${took} ms)`);
    assert.ok(took < GRACE_MS + 5000, `but not much later (${took} ms)`);
    assert.equal(alive(pid), false);
    const lines = await readLines(api, a.guid);
    assert.ok(
      lines.some((l) => l.text === 'ignoring SIGTERM'),
      'the app did get SIGTERM first',
    );
    assert.ok(lines.some((l) => l.source === 'CELL' && l.text === 'Instance did not stop within 1.5s of SIGTERM; sending SIGKILL'));
  });
});

describe('liveness', { timeout: 120_000 }, () => {
  test('a RUNNING instance whose port stops answering is marked CRASHED and restarted', async () => {
    const dir = app(
      'zombie-ish',
      `
      const srv = require('http').createServer((q, s) => {
        if (q.url === '/close') { s.end('closing'); srv.close(); s.socket.destroy(); return; }
        s.end('alive ' + process.env.INSTANCE_GUID);
      }).listen(process.env.PORT);
      setInterval(() => {}, 1 << 30); // the process stays up with its port closed
    `,
    );
    const { app: a, web } = await stageAndStart(api, 'zombie-ish', dir, '  command: node server.js\n');
    const first = await until(
      async () => {
        const s = (await stats(api, web.guid))[0];
        return s?.state === 'RUNNING' ? s : undefined;
      },
      20_000,
      'RUNNING',
    );
    const before = (await viaRouter('zombie-ish')).text;
    assert.match(before, /^alive /);
    await http(`http://127.0.0.1:${first.instance_ports[0].internal}/close`);
    await waitLine(api, a.guid, (l) => l.source === 'CELL' && l.text === 'Container became unhealthy', 10_000, 'unhealthy');
    const exited = await waitLine(api, a.guid, (l) => l.source === 'API' && /App instance exited/.test(l.text), 10_000, 'crash event');
    assert.match(exited.text, /"exit_description"=>"Instance became unhealthy: Failed to make TCP connection to port \d+: connection refused"/);
    // Restarted at once (first crash): a new instance answers through the router.
    const after = await until(
      async () => {
        const r = await viaRouter('zombie-ish');
        return r.status === 200 && r.text !== before ? r.text : undefined;
      },
      10_000,
      'a restarted instance',
    );
    assert.match(after, /^alive /);
    assert.equal((await stats(api, web.guid))[0].state, 'RUNNING');
    await api.post(`/v3/apps/${a.guid}/actions/stop`);
  });
});

describe('crash back-off', () => {
  test("Diego's schedule: 3 immediate restarts, then 30 s doubling to 16 min, none after 200 crashes", () => {
    const d = (n: number) => restartDelay(n, SUPERVISOR_DEFAULTS);
    assert.deepEqual([1, 2, 3].map(d), [0, 0, 0]);
    assert.deepEqual([4, 5, 6, 7].map(d), [30_000, 60_000, 120_000, 240_000]);
    assert.equal(d(9), 16 * 60_000);
    assert.equal(d(199), 16 * 60_000);
    assert.equal(d(200), -1);
    assert.equal(goDuration(16 * 60_000), '16m0s');
    assert.equal(goDuration(1500), '1.5s');
    assert.equal(goDuration(400), '400ms');
  });

  test('an app that exits at once: restarted with growing gaps, CRASHED in between', { timeout: 60_000 }, async () => {
    const dir = app('crasher', `console.log('starting and dying'); process.exit(3);`);
    const { app: a, web } = await stageAndStart(api, 'crasher', dir, '  command: node server.js\n  no-route: true\n');
    await until(async () => (await stats(api, web.guid))[0]?.state === 'CRASHED', 20_000, 'CRASHED');
    // 3 immediate restarts, then 300, 600, 1000 (capped) ms.
    await waitLine(api, a.guid, (l) => l.text === 'Crashed 6 times; restarting in 1s', 30_000, 'the 6th crash');
    const lines = await readLines(api, a.guid);
    const launches = lines.filter((l) => l.source === 'CELL' && /creating container/.test(l.text)).map((l) => Number(l.ns / 1_000_000n));
    assert.ok(launches.length >= 6, `launches: ${launches.length}`);
    const gaps = launches.slice(1).map((t, i) => t - launches[i]!);
    // Gaps 4..6 follow back-off of 300, 600, 1000 ms (plus start-up time); the first 3 are immediate.
    assert.ok(gaps[3]! >= 300 && gaps[4]! >= 600 && gaps[4]! > gaps[3]!, `gaps: ${gaps.join(', ')}`);
    for (const n of [4, 5])
      assert.ok(
        lines.some(
          (l) => l.text === `Crashed ${n} times; restarting in ${goDuration(restartDelay(n, { ...SUPERVISOR_DEFAULTS, backoffMs: 300, maxBackoffMs: 1000 }))}`,
        ),
      );
    assert.ok(lines.some((l) => l.source === 'APP/PROC/WEB' && l.text === 'Exit status 3'));
    assert.ok(lines.some((l) => l.source === 'API' && l.text === 'Process has crashed with type: "web"'));
    const s = (await stats(api, web.guid))[0];
    assert.ok(s.state === 'CRASHED' || s.state === 'STARTING');
    await api.post(`/v3/apps/${a.guid}/actions/stop`);
    assert.equal((await stats(api, web.guid))[0].state, 'DOWN');
  });
});

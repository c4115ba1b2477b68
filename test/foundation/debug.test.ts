// Debugging an instance on the local foundation (issue 20), over the real
// Node inspector (Chrome DevTools Protocol through `ws`): one instance of two
// restarts under the agent, a breakpoint in the handler stops a request sent
// through the router, and while it is paused (longer than the health check's
// timeout) the supervisor leaves it alone and the router waits; the other
// instance keeps serving. The control: the same pause in an instance whose
// agent the app set itself (not a debug session) is killed by its health
// check. Then the refusals, a crash while debugged, and the way back.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RunningFoundation } from '../../src/foundation/server';
import { startFoundation } from '../../src/foundation/server';
import { NODE_SERVER_JS } from '../helpers/debug-apps';
import { inspector } from '../helpers/debug-clients';
import { Api, cleanup, http, nodeApp, tempDir, until, waitRunning } from './helpers';
import { killMarked, readLines, stageAndStart, stats } from './supervisor-helpers';

/** The health check's timeout here: 1 s per probe, one every 200 ms once RUNNING. */
const INVOCATION_TIMEOUT_S = 1;
/** How long a request sits at the breakpoint: well past the check's timeout (and many intervals). */
const PAUSE_MS = 4000;
/** The router's endpoint timeout here, shorter than the pause: a debugged instance's request outwaits it. */
const ENDPOINT_TIMEOUT_MS = 2000;

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
    supervisor: { stopGraceMs: 1000, backoffMs: 300, maxBackoffMs: 1000, livenessIntervalMs: 200 },
    router: { endpointTimeoutMs: ENDPOINT_TIMEOUT_MS },
  });
  api = await Api.connect(f);
});

after(async () => {
  await f?.close();
  if (f) killMarked(f.dataDir);
  for (const d of dirs) cleanup(d);
});

const BREAK_LINE = NODE_SERVER_JS.split('\n').findIndex((l) => l.includes('BREAK HERE')); // 0-based, as CDP counts

const HEALTH = `  command: node server.js\n  health-check-type: http\n  health-check-http-endpoint: /\n  health-check-invocation-timeout: ${INVOCATION_TIMEOUT_S}\n`;

function via(appGuid: string, index: number, path = '/') {
  return http(`${f.routerUrl}${path}`, { headers: { host: 'dbg.localhost', 'x-cf-app-instance': `${appGuid}:${index}` } });
}

describe('debugging a Node instance through the debug endpoint', { timeout: 180_000 }, () => {
  let app: any;
  let web: any;
  let info: any;

  test('GET / advertises the endpoint; PUT restarts instance 0 only, under the inspector on loopback', async () => {
    const root = (await http(`${f.apiUrl}/`)).json;
    assert.equal(root.links.cfpush_debug.href, `${f.apiUrl}/x-cfpush/v1/debug`);
    const dir = nodeApp('dbg', NODE_SERVER_JS);
    dirs.push(dir);
    ({ app, web } = await stageAndStart(api, 'dbg', dir, `${HEALTH}  instances: 2\n`));
    await waitRunning(api, app.guid);
    const before1 = (await via(app.guid, 1)).json;
    const before0 = (await via(app.guid, 0)).json;
    assert.equal(before0.index, '0');

    const unauth = await http(`${f.apiUrl}/x-cfpush/v1/debug/${web.guid}/0`, { method: 'PUT', body: '{}' });
    assert.equal(unauth.status, 401, 'the endpoint needs the API token');

    const put = await api.call('PUT', `/x-cfpush/v1/debug/${web.guid}/0`, {});
    assert.equal(put.status, 200, put.text);
    info = put.json;
    assert.equal(info.runtime, 'node');
    assert.equal(info.host, '127.0.0.1');
    assert.equal(info.listening, true, JSON.stringify(info));
    assert.equal(info.crashes, 0);
    assert.equal(info.last_crash, null);
    assert.ok(info.port >= 1024, JSON.stringify(info));
    assert.match(info.app_root, /\/app$/);
    assert.equal(info.source_root, info.app_root, 'Node runs, and names, its files in the droplet');
    await waitRunning(api, app.guid);
    const after0 = (await via(app.guid, 0)).json;
    const after1 = (await via(app.guid, 1)).json;
    assert.notEqual(after0.guid, before0.guid, 'instance 0 was restarted');
    assert.equal(after1.guid, before1.guid, 'instance 1 was not');
    const st = await stats(api, web.guid);
    assert.match(st[0].details, /^debugging: the Node\.js inspector on 127\.0\.0\.1:\d+$/);
    assert.equal(st[1].details, null);
    const listed = (await api.get('/x-cfpush/v1/debug')).json.resources;
    assert.deepEqual(
      listed.map((x: any) => [x.app_guid, x.index]),
      [[app.guid, 0]],
    );
  });

  test(`a breakpoint in the handler stops a routed request; paused ${PAUSE_MS} ms (> the ${INVOCATION_TIMEOUT_S} s health check) the instance is not restarted`, async () => {
    const cdp = await inspector(info.host, info.port);
    try {
      await cdp.send('Debugger.enable');
      const bp = await cdp.send('Debugger.setBreakpointByUrl', { urlRegex: 'server\\.js$', lineNumber: BREAK_LINE });
      assert.ok(bp.breakpointId);
      const pending = via(app.guid, 0, '/hit?x=1');
      const paused = await cdp.next('Debugger.paused');
      const frame = paused.callFrames[0];
      assert.equal(frame.location.lineNumber, BREAK_LINE);
      const url = await cdp.send('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression: 'req.url' });
      assert.equal(url.result.value, '/hit?x=1', "the request's variables are visible");
      const began = Date.now();
      // While it is paused: the other instance serves; the paused one stays RUNNING, never killed.
      while (Date.now() - began < PAUSE_MS) {
        assert.equal((await via(app.guid, 1)).status, 200);
        const st = await stats(api, web.guid);
        assert.equal(st[0].state, 'RUNNING');
        await new Promise((r) => setTimeout(r, 250));
      }
      const lines = await readLines(api, app.guid);
      assert.ok(!lines.some((l) => /became unhealthy|never healthy/.test(l.text)), 'no health check failed it');
      await cdp.send('Debugger.removeBreakpoint', { breakpointId: bp.breakpointId });
      await cdp.send('Debugger.resume');
      const res = await pending;
      assert.equal(res.status, 200, `the router waited for the paused instance past its ${ENDPOINT_TIMEOUT_MS} ms endpoint timeout`);
      assert.equal(res.json.url, '/hit?x=1');
      assert.equal(res.json.index, '0');
      assert.equal((await via(app.guid, 0)).json.guid, res.json.guid, 'the same instance answers after: not restarted');
    } finally {
      cdp.close();
    }
  });

  test('refusals name the cause and change nothing: no such instance, the port taken, a bad body', async () => {
    const guid0 = (await via(app.guid, 0)).json.guid;
    assert.equal((await api.call('PUT', `/x-cfpush/v1/debug/${web.guid}/5`, {})).status, 404);
    assert.equal((await api.call('PUT', `/x-cfpush/v1/debug/no-such-process/0`, {})).status, 404);
    const bad = await api.call('PUT', `/x-cfpush/v1/debug/${web.guid}/1`, { port: 'x' });
    assert.equal(bad.status, 422);
    assert.match(bad.json.errors[0].detail, /Port must be a whole number/);
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const res = await api.call('PUT', `/x-cfpush/v1/debug/${web.guid}/1`, { port });
      assert.equal(res.status, 422);
      assert.match(
        res.json.errors[0].detail,
        new RegExp(`Port ${port} on 127.0.0.1 is already in use, so the debug agent cannot listen there\\.\nPick another port`),
      );
    } finally {
      taken.close();
    }
    assert.equal((await api.get(`/x-cfpush/v1/debug/${web.guid}/1`)).status, 404, 'instance 1 is not debugged');
    assert.equal((await via(app.guid, 0)).json.guid, guid0, 'instance 0 untouched');
  });

  test('an instance that crashes while debugged comes back under its agent; the endpoint counts the crash and says why', async () => {
    const crashed = await via(app.guid, 0, '/crash');
    assert.equal(crashed.status, 502);
    const back = await until(
      async () => {
        const d = (await api.get(`/x-cfpush/v1/debug/${web.guid}/0`)).json;
        return d.state === 'RUNNING' && d.listening ? d : undefined;
      },
      30_000,
      'instance 0 RUNNING under its agent again',
    );
    assert.equal(back.port, info.port, 'on the same port');
    assert.equal(back.crashes, 1, 'the crash is counted, so a debugger can tell the user');
    assert.match(back.last_crash, /Exited with status 3/);
    const lines = await readLines(api, app.guid);
    assert.ok(
      lines.some((l) => /Exited with status 3/.test(l.text)),
      'the crash is in the log',
    );
  });

  test('DELETE restarts it without the agent', async () => {
    const del = await api.del(`/x-cfpush/v1/debug/${web.guid}/0`);
    assert.equal(del.status, 204);
    assert.equal((await api.get(`/x-cfpush/v1/debug/${web.guid}/0`)).status, 404);
    await waitRunning(api, app.guid);
    const st = await stats(api, web.guid);
    assert.equal(st[0].details, null);
    await assert.rejects(http(`http://127.0.0.1:${info.port}/json/list`), 'the inspector port is closed');
  });
});

describe('the control: a paused instance that is not a debug session', { timeout: 120_000 }, () => {
  test(`paused by a debugger its app set up itself, the health check kills it within ${PAUSE_MS} ms`, async () => {
    const port = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    const dir = nodeApp('ctl', NODE_SERVER_JS);
    dirs.push(dir);
    const { app: ctl } = await stageAndStart(api, 'ctl', dir, `${HEALTH}  env:\n    NODE_OPTIONS: --inspect=127.0.0.1:${port}\n`);
    await waitRunning(api, ctl.guid);
    const cdp = await inspector('127.0.0.1', port);
    try {
      await cdp.send('Debugger.enable');
      await cdp.send('Debugger.pause');
      await cdp.next('Debugger.paused');
      const killed = await until(
        async () => (await readLines(api, ctl.guid)).find((l) => /Container became unhealthy/.test(l.text)),
        PAUSE_MS,
        'the health check to fail the paused instance',
      );
      assert.ok(killed);
    } finally {
      cdp.close();
    }
  });
});

// Debugging Java, Python and Go instances on the local foundation (issue 20's
// acceptance: "a test with a Debug Adapter Protocol or JDWP client sets a
// breakpoint on the instance, hits it through the router, and continues"),
// each over its real agent and its usual client: Java's JDWP agent driven by
// `jdb`, Python's debugpy and Go's delve (`dlv exec --headless`) through a
// small Debug Adapter Protocol client (both in test/helpers/debug-clients.ts).
// For each: PUT restarts the instance under the agent on 127.0.0.1; a
// breakpoint in the handler stops a request sent through the router (pinned
// with `x-cf-app-instance`); paused longer than the health check's timeout,
// the instance is not restarted (the same CF_INSTANCE_GUID answers after);
// the client reads the request's path and continues, and the request
// completes; the app exiting crashes the instance, which comes back under the
// agent; DELETE restarts it without the agent, the port closes and nothing of
// the debugged instance is left. The apps are the samples (examples/hello-*)
// with a handler answering what the test checks (the request's path and
// CF_INSTANCE_GUID), as debug.test.ts does for Node (test/helpers/
// debug-apps.ts, shared with the debug benchmark). Java also honours
// JBP_CONFIG_DEBUG at staging (the java buildpack's Debug framework); a Go
// app on a machine without delve is refused with what to install. A Go
// binary names its sources in /home/vcap/app, where CF runs it (the go
// buildpack compiles it so), and DebugInfo.source_root says so: the client
// sets its breakpoint there, with no path mapping asked of delve.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { missingAgent } from '../../src/foundation/debug-agents';
import type { RunningFoundation } from '../../src/foundation/server';
import { startFoundation } from '../../src/foundation/server';
import { breakLine, goApp, javaApp, MAIN_GO, MAIN_JAVA, pythonApp, SERVER_PY } from '../helpers/debug-apps';
import { Dap, Jdb } from '../helpers/debug-clients';
import { needThat, needTool } from '../helpers/toolchain';
import { Api, cleanup, http, tempDir, until, waitRunning } from './helpers';
import { killMarked, processesWithEnv, readLines, stageAndStart, stats, waitLine } from './supervisor-helpers';
import { accepting } from '../helpers/ports';

/** The health check's timeout here: 1 s per probe, one every 200 ms once RUNNING. */
const INVOCATION_TIMEOUT_S = 1;
/** How long a request sits at the breakpoint: well past the check's timeout (and many intervals). */
const PAUSE_MS = 4000;
/** The router's endpoint timeout here, shorter than the pause: a debugged instance's request outwaits it. */
const ENDPOINT_TIMEOUT_MS = 2000;
const HEALTH = `  health-check-type: http\n  health-check-http-endpoint: /\n  health-check-invocation-timeout: ${INVOCATION_TIMEOUT_S}\n`;

let f: RunningFoundation;
let api: Api;
const dirs: string[] = [];
/** A temp folder removed after the tests (an app's sources and build). */
const own = (prefix: string) => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};

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

// ---------------------------------------------------------------------------
// The common steps.

interface Debugged {
  name: string;
  app: any;
  web: any;
  info: any;
  /** CF_INSTANCE_GUID of the instance running under the agent. */
  guid: string;
  /** What the instance answered before it was debugged. */
  plain: any;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function via(name: string, appGuid: string, path = '/') {
  return http(`${f.routerUrl}${path}`, { headers: { host: `${name}.localhost`, 'x-cf-app-instance': `${appGuid}:0` } });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Pushes the app (one instance), then PUTs its instance 0 under the debug agent: restarted, listening on loopback. */
async function pushAndDebug(name: string, dir: string, runtime: string, o: { manifest?: string; memory?: string } = {}): Promise<Debugged> {
  const { app, web } = await stageAndStart(api, name, dir, `${HEALTH}${o.manifest ?? ''}`, 'start', o.memory);
  await waitRunning(api, app.guid, 60_000);
  const before0 = (await via(name, app.guid)).json;
  assert.ok(before0?.guid, 'the app answers its instance guid');
  const put = await api.call('PUT', `/x-cfpush/v1/debug/${web.guid}/0`, {});
  assert.equal(put.status, 200, put.text);
  const info = put.json;
  assert.equal(info.runtime, runtime);
  assert.equal(info.host, '127.0.0.1');
  assert.equal(info.listening, true, JSON.stringify(info));
  assert.ok(info.port >= 1024, JSON.stringify(info));
  assert.match(info.app_root, /\/app$/);
  // Where the running code names its sources: Go's binary says /home/vcap/app (as compiled); the others run from the droplet.
  assert.equal(info.source_root, runtime === 'go' ? '/home/vcap/app' : info.app_root);
  await waitRunning(api, app.guid);
  const now = (await via(name, app.guid)).json;
  assert.notEqual(now.guid, before0.guid, 'instance 0 was restarted under the agent');
  const st = await stats(api, web.guid);
  assert.equal(st[0].details, `debugging: ${info.agent} on 127.0.0.1:${info.port}`);
  return { name, app, web, info, guid: now.guid, plain: before0 };
}

/** Holds the request at the breakpoint for PAUSE_MS: the instance stays RUNNING, no health check fails it. */
async function holdPaused(d: Debugged): Promise<void> {
  const began = Date.now();
  while (Date.now() - began < PAUSE_MS) {
    assert.equal((await stats(api, d.web.guid))[0].state, 'RUNNING');
    await sleep(250);
  }
  const lines = await readLines(api, d.app.guid);
  assert.ok(!lines.some((l) => /became unhealthy|never healthy/.test(l.text)), 'no health check failed it');
}

/** The paused request completed once continued, in the same instance (not restarted while paused). */
async function completed(d: Debugged, pending: ReturnType<typeof via>, path: string): Promise<void> {
  const res = await pending;
  assert.equal(res.status, 200, `the router waited for the paused instance past its ${ENDPOINT_TIMEOUT_MS} ms endpoint timeout: ${res.text}`);
  assert.equal(res.json.url, path);
  assert.equal(res.json.guid, d.guid, 'the instance that was paused answered it');
  assert.equal((await via(d.name, d.app.guid)).json.guid, d.guid, 'the same instance answers after: not restarted');
}

/** The app exits (status 3) under the agent: the instance crashes, and comes back under its agent on the same port. */
async function crashComesBack(d: Debugged): Promise<void> {
  const crashed = await via(d.name, d.app.guid, '/crash');
  assert.equal(crashed.status, 502);
  await waitLine(api, d.app.guid, (l) => /Exited with status 3/.test(l.text), 30_000, 'the crash in the log');
  const back = await until(
    async () => {
      const now = (await api.get(`/x-cfpush/v1/debug/${d.web.guid}/0`)).json;
      return now.state === 'RUNNING' && now.listening ? now : undefined;
    },
    30_000,
    'instance 0 RUNNING under its agent again',
  );
  assert.equal(back.port, d.info.port, 'on the same port');
  const now = (await via(d.name, d.app.guid)).json;
  assert.notEqual(now.guid, d.guid, 'a new instance');
  await gone(d.guid);
  d.guid = now.guid;
}

/** No process of the instance `guid` (the app, its agent, anything they started) is left running. */
async function gone(guid: string): Promise<void> {
  await until(async () => processesWithEnv('CF_INSTANCE_GUID', guid).length === 0, 10_000, `the processes of instance ${guid} to end`).catch((err) => {
    const left = processesWithEnv('CF_INSTANCE_GUID', guid).map((pid) => `${pid}: ${cmdline(pid)}`);
    throw new Error(`${(err as Error).message}; left: ${left.join('; ')}`);
  });
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '?';
  }
}

/** DELETE: the instance restarts without its agent, whose port closes. */
async function undebug(d: Debugged): Promise<void> {
  const del = await api.del(`/x-cfpush/v1/debug/${d.web.guid}/0`);
  assert.equal(del.status, 204);
  assert.equal((await api.get(`/x-cfpush/v1/debug/${d.web.guid}/0`)).status, 404);
  await waitRunning(api, d.app.guid);
  assert.equal((await stats(api, d.web.guid))[0].details, null);
  const now = (await via(d.name, d.app.guid)).json;
  assert.notEqual(now.guid, d.guid, 'restarted');
  await until(async () => !(await accepting(d.info.port)), 10_000, `the agent's port ${d.info.port} to close`);
  await gone(d.guid);
}

/**
 * The DAP session both debugpy and delve take: attach, a breakpoint at
 * `file`:`line` once the adapter is initialized, configurationDone; then a
 * request through the router stops there. Returns the stopped thread, the
 * top frame and its variables (every scope's), and the pending request.
 */
async function dapBreak(
  dap: Dap,
  d: Debugged,
  o: { adapterID: string; attach: object; file: string; line: number; path: string },
): Promise<{ threadId: number; frame: any; variables: Map<string, string>; pending: ReturnType<typeof via>; clearBreakpoints: () => Promise<void> }> {
  await dap.request('initialize', { clientID: 'cfpush-test', adapterID: o.adapterID, linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  // debugpy answers attach only after configurationDone, delve at once.
  const attached = dap.request('attach', o.attach);
  attached.catch(() => {}); // awaited below
  await dap.event('initialized');
  const set = await dap.request('setBreakpoints', { source: { path: o.file }, breakpoints: [{ line: o.line }] });
  assert.equal(set.breakpoints.length, 1);
  assert.equal(set.breakpoints[0].verified, true, `the breakpoint at ${o.file}:${o.line} binds: ${JSON.stringify(set.breakpoints[0])}`);
  await dap.request('configurationDone');
  await attached;
  const pending = via(d.name, d.app.guid, o.path);
  const stopped = await dap.event('stopped');
  assert.equal(stopped.reason, 'breakpoint', JSON.stringify(stopped));
  const { stackFrames } = await dap.request('stackTrace', { threadId: stopped.threadId, startFrame: 0, levels: 20 });
  const frame = stackFrames[0];
  const variables = new Map<string, string>();
  for (const scope of (await dap.request('scopes', { frameId: frame.id })).scopes) {
    if (scope.expensive) continue;
    for (const v of (await dap.request('variables', { variablesReference: scope.variablesReference })).variables) variables.set(v.name, v.value);
  }
  return {
    threadId: stopped.threadId,
    frame,
    variables,
    pending,
    clearBreakpoints: async () => void (await dap.request('setBreakpoints', { source: { path: o.file }, breakpoints: [] })),
  };
}

/** A JDWP session with jdb: a breakpoint in the handler, a request through the router stops there, its path printed. */
async function jdbBreak(d: Debugged, port: number, path: string): Promise<{ jdb: Jdb; pending: ReturnType<typeof via> }> {
  const line = breakLine(MAIN_JAVA);
  const jdb = await Jdb.attach('127.0.0.1', port);
  await jdb.send(`stop at hello.Main:${line}`, /Set breakpoint hello\.Main:\d+/);
  const mark = jdb.mark;
  const pending = via(d.name, d.app.guid, path);
  const hit = await jdb.expect(/Breakpoint hit: "thread=([^"]+)", hello\.Main\.lambda\$main\$\d+\(\), line=(\d+)/, 30_000, mark);
  assert.equal(Number(hit[2]), line, 'stopped on the breakpoint line');
  const printed = await jdb.send('print path', / path = "([^"]*)"/);
  assert.equal(printed[1], path, "the request's variables are visible");
  return { jdb, pending };
}

// ---------------------------------------------------------------------------

const haveJava = (t: TestContext) => needTool(t, 'javac', 'default-jdk-headless') && needTool(t, 'jdb', 'default-jdk-headless');
const havePython = (t: TestContext) => needTool(t, 'python3', 'python3') && needThat(t, missingAgent('python') === undefined, 'debugpy', 'python3-debugpy');
const haveGo = (t: TestContext) => needTool(t, 'go', 'golang-go') && needTool(t, 'dlv', 'delve');

describe('debugging a Java instance: the JDWP agent, with jdb', { timeout: 240_000 }, () => {
  let d: Debugged | undefined;

  test('PUT restarts the instance with JAVA_OPTS carrying the JDWP agent on loopback', async (t) => {
    if (!haveJava(t)) return;
    d = await pushAndDebug('dbg-java', javaApp(own('cfpush-app-java-')), 'java', { memory: '1G' });
  });

  test(`jdb: a breakpoint in the handler stops a routed request, paused ${PAUSE_MS} ms the instance is not restarted; cont completes it`, async (t) => {
    if (!d) return void t.skip('no debugged instance (the test above did not run)');
    const { jdb, pending } = await jdbBreak(d, d.info.port, '/hit?x=1');
    try {
      await holdPaused(d);
      await jdb.send(`clear hello.Main:${breakLine(MAIN_JAVA)}`, /Removed: breakpoint hello\.Main:\d+/);
      await jdb.send('cont', /\n?> ?$/);
      await completed(d, pending, '/hit?x=1');
    } finally {
      await jdb.quit();
    }
    assert.equal((await via(d.name, d.app.guid)).json.guid, d.guid, 'still serving after jdb left');
  });

  test('the app exits while debugged: the instance crashes and comes back under the JDWP agent', async (t) => {
    if (!d) return void t.skip('no debugged instance (the test above did not run)');
    await crashComesBack(d);
  });

  test('DELETE restarts it without the agent: the JDWP port closes', async (t) => {
    if (!d) return void t.skip('no debugged instance (the test above did not run)');
    await undebug(d);
  });

  test("JBP_CONFIG_DEBUG at staging: the droplet's start command carries the agent, and the endpoint reports its port", async (t) => {
    if (!haveJava(t)) return;
    const port = await freePort();
    const name = 'dbg-jbp';
    const { app, web, build } = await stageAndStart(
      api,
      name,
      javaApp(own('cfpush-app-java-')),
      `${HEALTH}  env:\n    JBP_CONFIG_DEBUG: '{enabled: true, port: ${port}}'\n`,
      'start',
      '1G',
    );
    await waitRunning(api, app.guid, 60_000);
    const droplet = (await api.get(`/v3/droplets/${build.droplet.guid}`)).json;
    assert.match(droplet.process_types.web, new RegExp(`-agentlib:jdwp=transport=dt_socket,server=y,address=${port},suspend=n `));
    assert.ok(await accepting(port), 'the droplet starts the agent itself');
    const put = await api.call('PUT', `/x-cfpush/v1/debug/${web.guid}/0`, {});
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.port, port, "the droplet's own agent, on JBP_CONFIG_DEBUG's port");
    assert.equal(put.json.listening, true);
    await waitRunning(api, app.guid);
    const jd: Debugged = { name, app, web, info: put.json, guid: (await via(name, app.guid)).json.guid, plain: undefined };
    const { jdb, pending } = await jdbBreak(jd, port, '/jbp');
    try {
      await jdb.send(`clear hello.Main:${breakLine(MAIN_JAVA)}`, /Removed: breakpoint/);
      await jdb.send('cont', /\n?> ?$/);
      await completed(jd, pending, '/jbp');
    } finally {
      await jdb.quit();
    }
    // The agent is the droplet's (as on CF, where the Debug framework always opens it): DELETE ends the session, the port stays.
    assert.equal((await api.del(`/x-cfpush/v1/debug/${web.guid}/0`)).status, 204);
    await waitRunning(api, app.guid);
    assert.equal((await api.get(`/x-cfpush/v1/debug/${web.guid}/0`)).status, 404);
    assert.ok(await accepting(port), "the droplet's agent listens again after the restart");
  });
});

describe('debugging a Python instance: debugpy, with a DAP client', { timeout: 240_000 }, () => {
  let d: Debugged | undefined;

  test('PUT restarts the instance under debugpy on loopback', async (t) => {
    if (!havePython(t)) return;
    d = await pushAndDebug('dbg-python', pythonApp(own('cfpush-app-python-')), 'python', { manifest: '  env:\n    PYTHONPATH: .\n' });
    assert.equal(d.plain.site, 'ran', "the app's own sitecustomize runs beside the loopback one");
    assert.equal((await via(d.name, d.app.guid)).json.site, 'ran', 'and under debugpy too');
    const lines = await readLines(api, d.app.guid);
    assert.ok(
      lines.some((l) => /cf-push: debugpy listening on 127\.0\.0\.1:\d+/.test(l.text)),
      'the shim started debugpy',
    );
    const errors = lines.filter((l) => /Error in sitecustomize|Traceback|RecursionError/.test(l.text));
    assert.deepEqual(
      errors.map((l) => l.text),
      [],
      'the shims chain without an error',
    );
  });

  test(`DAP: a breakpoint in the handler stops a routed request, paused ${PAUSE_MS} ms the instance is not restarted; continue completes it`, async (t) => {
    if (!d) return void t.skip('no debugged instance (the test above did not run)');
    const dap = await Dap.connect(d.info.host, d.info.port);
    try {
      const file = join(d.info.app_root, 'server.py');
      const line = breakLine(SERVER_PY);
      const hit = await dapBreak(dap, d, { adapterID: 'debugpy', attach: { justMyCode: false }, file, line, path: '/hit?x=1' });
      assert.equal(hit.frame.line, line);
      assert.equal(hit.frame.source.path, file);
      assert.equal(hit.variables.get('path'), "'/hit?x=1'", "the request's variables are visible");
      await holdPaused(d);
      await hit.clearBreakpoints();
      await dap.request('continue', { threadId: hit.threadId });
      await completed(d, hit.pending, '/hit?x=1');
      await dap.request('disconnect', { terminateDebuggee: false });
    } finally {
      dap.close();
    }
    assert.equal((await via(d.name, d.app.guid)).json.guid, d.guid, 'still serving after the client left');
  });

  test('the app exits while debugged: the instance crashes and comes back under debugpy', async (t) => {
    if (!d) return void t.skip('no debugged instance (the test above did not run)');
    await crashComesBack(d);
  });

  test('DELETE restarts it without debugpy: its port closes', async (t) => {
    if (!d) return void t.skip('no debugged instance (the test above did not run)');
    await undebug(d);
  });
});

describe('debugging a Go instance: delve headless, with a DAP client', { timeout: 300_000 }, () => {
  let d: Debugged | undefined;

  test('PUT restarts the instance under dlv exec --headless on loopback', async (t) => {
    if (!haveGo(t)) return;
    d = await pushAndDebug('dbg-go', goApp(own('cfpush-app-go-')), 'go');
  });

  test(`DAP (remote attach): a breakpoint in the handler stops a routed request, paused ${PAUSE_MS} ms the instance is not restarted; continue completes it`, async (t) => {
    if (!d) return void t.skip('no debugged instance (the test above did not run)');
    const dap = await Dap.connect(d.info.host, d.info.port);
    try {
      // Where the binary names the file (/home/vcap/app/main.go), as DebugInfo says: no mapping asked of delve.
      const file = `${d.info.source_root}/main.go`;
      const line = breakLine(MAIN_GO);
      assert.equal(readFileSync(join(d.info.app_root, 'main.go'), 'utf8'), MAIN_GO, "the droplet's main.go is the one pushed");
      const hit = await dapBreak(dap, d, { adapterID: 'go', attach: { request: 'attach', mode: 'remote' }, file, line, path: '/hit?x=1' });
      assert.equal(hit.frame.line, line);
      assert.equal(hit.frame.source.path, file);
      assert.equal(hit.variables.get('path'), '"/hit?x=1"', "the request's variables are visible");
      await holdPaused(d);
      await hit.clearBreakpoints();
      await dap.request('continue', { threadId: hit.threadId });
      await completed(d, hit.pending, '/hit?x=1');
      await dap.request('disconnect', { terminateDebuggee: false, suspendDebuggee: false });
    } finally {
      dap.close();
    }
    assert.equal((await via(d.name, d.app.guid)).json.guid, d.guid, 'still serving after the client left');
  });

  test('the app exits while debugged: the instance crashes and comes back under delve', async (t) => {
    if (!d) return void t.skip('no debugged instance (the test above did not run)');
    await crashComesBack(d);
  });

  test('DELETE restarts it without delve: its port closes', async (t) => {
    if (!d) return void t.skip('no debugged instance (the test above did not run)');
    await undebug(d);
  });

  test('no delve on this machine: a 422 naming `sudo apt-get install delve`, nothing restarted', async (t) => {
    if (!d) return void t.skip('no Go app (the test above did not run)');
    const guid = (await via(d.name, d.app.guid)).json.guid;
    const path = process.env.PATH;
    // The foundation looks for dlv on its own PATH: without the folders that hold one, it has none.
    process.env.PATH = (path ?? '')
      .split(delimiter)
      .filter((dir) => dir && !existsSync(join(dir, 'dlv')))
      .join(delimiter);
    let res;
    try {
      assert.ok(missingAgent('go'));
      res = await api.call('PUT', `/x-cfpush/v1/debug/${d.web.guid}/0`, {});
    } finally {
      process.env.PATH = path;
    }
    assert.equal(res.status, 422, res.text);
    assert.match(res.json.errors[0].detail, /needs delve \(dlv\), which is not installed on this machine\.\n.*`sudo apt-get install delve`/);
    assert.equal((await api.get(`/x-cfpush/v1/debug/${d.web.guid}/0`)).status, 404, 'not debugged');
    assert.equal((await via(d.name, d.app.guid)).json.guid, guid, 'the instance was not restarted');
  });
});

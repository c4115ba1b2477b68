// The real cf CLI drives apps on the local foundation (issue 15 item 1): each
// command exits 0 with the output CF gives, and cfpush, the API and the router
// see the state it left.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import { cfSession, exampleApp, NO_CF, requireCf, type CfSession } from './cf';

describe('cf CLI: apps', { timeout: 900_000 }, () => {
  let s: CfSession | undefined;
  let dir = '';
  const body = async (host: string) => (await httpGet(`http://${host}.localhost:${s!.c.routerPort}/`)).body;
  const cfpushApps = async () => JSON.parse((await s!.c.ok(['apps', '--json'])).stdout).apps as any[];

  before(async () => {
    const cf = requireCf();
    if (!cf) return;
    s = await cfSession(cf);
    dir = exampleApp('hello-node', 'cf-node');
  });
  after(async () => s?.cleanup());

  test('cf push: staged, started, summarised as CF does, served through the router; cfpush sees it', async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.ok(['push', 'cf-node', '-m', '64M', '-p', dir]);
    // The whole staging log, to its last line, though the CLI reads logs 2 s behind and stops when staging ends.
    assert.match(r.stdout, /Staging app and tracing logs\.\.\.\n[\s\S]*Nodejs Buildpack[\s\S]*Uploaded droplet\n\s*\nWaiting for app cf-node to start/);
    assert.match(r.stdout, /requested state:\s+started/);
    assert.match(r.stdout, /routes:\s+cf-node\.localhost/);
    assert.match(r.stdout, /type:\s+web/);
    assert.match(r.stdout, /instances:\s+1\/1/);
    assert.match(r.stdout, /memory usage:\s+64M/);
    assert.match(r.stdout, /start command:\s+node server\.js/);
    assert.match(r.stdout, /#0\s+running/);
    assert.equal(await body('cf-node'), 'hello CF summit');
    const app = (await cfpushApps()).find((a) => a.name === 'cf-node');
    assert.deepEqual(app.instances, { running: 1, desired: 1 });
  });

  test('cf app and cf apps', async (t) => {
    if (!s) return t.skip(NO_CF);
    const app = await s.ok(['app', 'cf-node']);
    assert.match(app.stdout, /name:\s+cf-node/);
    assert.match(app.stdout, /buildpacks:[\s\S]*nodejs_buildpack/);
    assert.doesNotMatch(app.stdout, /start command/, 'cf app does not show the start command');
    const apps = await s.ok(['apps']);
    assert.match(apps.stdout, /cf-node\s+started\s+web:1\/1\s+cf-node\.localhost/);
    const missing = await s.run(['app', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr + missing.stdout, /App 'nope' not found/);
  });

  test('cf stop, start, restart and restage; a restart does not stage again, a restage does', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['stop', 'cf-node']);
    const stopped = await s.ok(['app', 'cf-node']);
    assert.match(stopped.stdout, /requested state:\s+stopped/);
    assert.match(stopped.stdout, /#0\s+down/);
    const start = await s.ok(['start', 'cf-node']);
    assert.doesNotMatch(start.stdout, /Staging app/);
    assert.match(start.stdout, /#0\s+running/);
    const restart = await s.ok(['restart', 'cf-node']);
    assert.doesNotMatch(restart.stdout, /Staging app/);
    const restage = await s.ok(['restage', 'cf-node']);
    assert.match(restage.stdout, /Staging app and tracing logs/);
    assert.match(restage.stdout, /Nodejs Buildpack/);
    assert.equal(await body('cf-node'), 'hello CF summit');
  });

  test('cf scale -i 2 runs two instances; -m restarts with the new limit', async (t) => {
    if (!s) return t.skip(NO_CF);
    // cf waits until one instance of each process runs (as on CF); the second may still be starting.
    const r = await s.ok(['scale', 'cf-node', '-i', '2']);
    assert.match(r.stdout, /instances:\s+[12]\/2/);
    assert.match(r.stdout, /#1\s+(starting|running)/);
    const m = await s.ok(['scale', 'cf-node', '-m', '96M', '-f']);
    assert.match(m.stdout, /memory usage:\s+96M/);
    const env = await s.ok(['env', 'cf-node']);
    assert.match(env.stdout, /"mem": 96/, 'VCAP_APPLICATION limits follow the process');
  });

  test('cf set-env, env, unset-env', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['set-env', 'cf-node', 'GREETING', 'hi']);
    const env = await s.ok(['env', 'cf-node']);
    assert.match(env.stdout, /User-Provided:\s*\nGREETING: hi/);
    assert.match(env.stdout, /VCAP_APPLICATION: \{/);
    await s.ok(['unset-env', 'cf-node', 'GREETING']);
    assert.doesNotMatch((await s.ok(['env', 'cf-node'])).stdout, /GREETING/);
  });

  test('cf create-app-manifest writes a manifest that pushes the app again', async (t) => {
    if (!s) return t.skip(NO_CF);
    const file = join(s.cfHome, 'cf-node_manifest.yml');
    await s.ok(['create-app-manifest', 'cf-node', '-p', file]);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /name: cf-node/);
    assert.match(text, /route: cf-node\.localhost/);
    assert.match(text, /memory: 96M/);
    assert.match(text, /instances: 2/);
    writeFileSync(join(dir, 'manifest.yml'), text);
    await s.ok(['push', '-f', join(dir, 'manifest.yml'), '-p', dir]);
  });

  test('cf events lists what happened to the app, newest first', async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.ok(['events', 'cf-node']);
    for (const e of [
      'audit.app.create',
      'audit.app.start',
      'audit.app.stop',
      'audit.app.restart',
      'audit.app.process.scale',
      'audit.app.map-route',
      'audit.app.droplet.mapped',
    ]) {
      assert.match(r.stdout, new RegExp(e.replace(/\./g, '\\.')), e);
    }
    const lines = r.stdout.split('\n').filter((l) => /^\d{4}-/.test(l));
    assert.ok(lines.length >= 8);
    assert.ok(lines[0]! >= lines[lines.length - 1]!, 'newest first');
  });

  test('cf revisions and cf rollback', async (t) => {
    if (!s) return t.skip(NO_CF);
    const revs = await s.ok(['revisions', 'cf-node']);
    assert.match(revs.stdout, /1\s+Initial revision\./);
    assert.match(revs.stdout, /\(deployed\)/);
    await s.ok(['set-env', 'cf-node', 'V', '2']);
    await s.ok(['restart', 'cf-node']);
    const after = await s.ok(['revisions', 'cf-node']);
    assert.match(after.stdout, /New environment variables deployed\./);
    await s.ok(['rollback', 'cf-node', '--version', '1', '-f']);
    assert.match((await s.ok(['revisions', 'cf-node'])).stdout, /Rolled back to revision 1\./);
    assert.doesNotMatch((await s.ok(['env', 'cf-node'])).stdout, /\nV: 2/, "the rollback brought back revision 1's env");
    assert.equal(await body('cf-node'), 'hello CF summit');
  });

  test('cf enable-ssh, disable-ssh, ssh-enabled', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['disable-ssh', 'cf-node']);
    const off = await s.ok(['ssh-enabled', 'cf-node']);
    assert.match(off.stdout, /ssh support is disabled for app 'cf-node'\./);
    await s.ok(['enable-ssh', 'cf-node']);
    assert.match((await s.ok(['ssh-enabled', 'cf-node'])).stdout, /ssh support is enabled for app 'cf-node'\./);
  });

  test('a two-app manifest pushes both apps', async (t) => {
    if (!s) return t.skip(NO_CF);
    const two = exampleApp('hello-node', 'two');
    writeFileSync(join(two, 'manifest.yml'), 'applications:\n- name: first\n  memory: 64M\n- name: second\n  memory: 64M\n');
    const r = await s.ok(['push'], { cwd: two });
    assert.equal((r.stdout.match(/requested state:\s+started/g) ?? []).length, 2, r.stdout);
    assert.equal(await body('first'), 'hello CF summit');
    assert.equal(await body('second'), 'hello CF summit');
  });

  test('cf map-route and cf unmap-route: the router follows each', async (t) => {
    if (!s) return t.skip(NO_CF);
    const via = async (host: string) => (await httpGet(`http://${host}.localhost:${s!.c.routerPort}/`)).status;
    assert.equal(await via('cf-node-extra'), 404);
    await s.ok(['map-route', 'cf-node', 'localhost', '--hostname', 'cf-node-extra']);
    assert.equal(await via('cf-node-extra'), 200);
    const r = await s.ok(['unmap-route', 'cf-node', 'localhost', '--hostname', 'cf-node-extra']);
    assert.match(r.stdout, /Removing route cf-node-extra\.localhost from app cf-node/);
    assert.equal(await via('cf-node-extra'), 404);
    assert.equal(await via('cf-node'), 200, 'the other route stays');
  });

  test('cf logs streams the app and router lines as they come', async (t) => {
    if (!s) return t.skip(NO_CF);
    // The CLI follows until it is stopped: let it run 8 s (it reads 2 s behind the present), request the app meanwhile.
    const following = s.run(['logs', 'cf-node'], { timeoutMs: 8000 });
    await new Promise((r) => setTimeout(r, 2500));
    for (let i = 0; i < 3; i++) await httpGet(`http://cf-node.localhost:${s.c.routerPort}/streamed-${i}`);
    const r = await following;
    assert.match(r.stdout, /Retrieving logs for app cf-node in org org \/ space space as admin\.\.\./);
    assert.match(r.stdout, /\[RTR\/\d+\]\s+OUT cf-node\.localhost.*"GET \/streamed-2 HTTP\/1\.1" 200/);
  });

  test('cf login with the API, user, org and space; the password from stdin as a terminal user types it', async (t) => {
    if (!s) return t.skip(NO_CF);
    const creds = JSON.parse(readFileSync(join(s.c.home, 'foundation', 'credentials.json'), 'utf8')) as { username: string; password: string };
    const home = mkdtempSync(join(tmpdir(), 'cfpush-cflogin-'));
    try {
      const r = await s.run(['login', '-a', `http://127.0.0.1:${s.c.apiPort}`, '--skip-ssl-validation', '-u', creds.username, '-o', 'org', '-s', 'space'], {
        env: { CF_HOME: home },
        input: `${creds.password}\n`,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Authenticating\.\.\.\nOK/);
      assert.match(r.stdout, /org:\s+org\nspace:\s+space/);
      const orgs = await s.run(['orgs'], { env: { CF_HOME: home } });
      assert.match(orgs.stdout, /^name\norg$/m);
      const spaces = await s.run(['spaces'], { env: { CF_HOME: home } });
      assert.match(spaces.stdout, /^name\nspace$/m);
      const bad = await s.run(['login', '-a', `http://127.0.0.1:${s.c.apiPort}`, '-u', creds.username], {
        env: { CF_HOME: home },
        input: 'wrong\nwrong\nwrong\n',
      });
      assert.equal(bad.code, 1);
      assert.match(bad.stdout + bad.stderr, /Credentials were rejected, please try again\./);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('cf rename and cf delete -r take the app and its route away', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['rename', 'second', 'renamed']);
    assert.ok((await cfpushApps()).some((a) => a.name === 'renamed'));
    await s.ok(['delete', 'renamed', '-r', '-f']);
    assert.ok(!(await cfpushApps()).some((a) => a.name === 'renamed'));
    const routes = await s.ok(['curl', '/v3/routes?hosts=second']);
    assert.equal(JSON.parse(routes.stdout).resources.length, 0);
  });
});

// End to end through the CLI: a real foundation (API + router + supervised
// processes), both examples pushed over CC v3, answered through the router.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import { cliEnv, cliPath, repoRoot, type CliEnv } from '../helpers/cli';

const body = async (c: CliEnv, host: string) => (await httpGet(`http://${host}.localhost:${c.routerPort}/`)).body;

describe('push through the local foundation', { timeout: 600_000 }, () => {
  let c: CliEnv;
  let work: string;
  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    work = mkdtempSync(join(tmpdir(), 'cfpush-apps-'));
    for (const ex of ['hello-node', 'hello-go']) cpSync(join(repoRoot, 'examples', ex), join(work, ex), { recursive: true });
  });
  after(async () => c?.cleanup());

  it('pushes hello-node and serves it at hello-node.localhost', async () => {
    const r = await c.ok(['push', '--json'], { cwd: join(work, 'hello-node') });
    const { apps } = JSON.parse(r.stdout);
    assert.equal(apps[0].name, 'hello-node');
    assert.equal(apps[0].state, 'STARTED');
    assert.equal(apps[0].urls[0], `http://hello-node.localhost:${c.routerPort}`);
    assert.match(r.stderr, /Staging hello-node/);
    assert.match(r.stderr, /\[STG\/0\]/, 'staging output is streamed');
    assert.equal(await body(c, 'hello-node'), 'hello CF summit');
  });

  it('pushes hello-go (compiled by the go buildpack) and serves it', async () => {
    await c.ok(['push'], { cwd: join(work, 'hello-go') });
    assert.equal(await body(c, 'hello-go'), 'hello CF summit');
  });

  it('re-push uploads only the changed file', async () => {
    writeFileSync(join(work, 'hello-node', 'extra.txt'), 'one more file\n');
    const r = await c.ok(['push'], { cwd: join(work, 'hello-node') });
    assert.match(r.stdout, /Uploading 1 file\(s\) \(14 B\); \d+ already on the target/);
    assert.equal(await body(c, 'hello-node'), 'hello CF summit');
  });

  it("swap A B exchanges the two apps' routes", async () => {
    // Give the two apps distinguishable bodies first.
    writeFileSync(join(work, 'hello-node', 'server.js'), "require('http').createServer((q, s) => s.end('I am node')).listen(process.env.PORT);\n");
    await c.ok(['push'], { cwd: join(work, 'hello-node') });
    assert.equal(await body(c, 'hello-node'), 'I am node');
    assert.equal(await body(c, 'hello-go'), 'hello CF summit');

    const r = await c.ok(['swap', 'hello-node', 'hello-go', '--json']);
    const res = JSON.parse(r.stdout);
    assert.deepEqual(res.a.urls, [`http://hello-go.localhost:${c.routerPort}`]);
    assert.deepEqual(res.b.urls, [`http://hello-node.localhost:${c.routerPort}`]);
    assert.equal(await body(c, 'hello-node'), 'hello CF summit', "A's former route answers with B's body");
    assert.equal(await body(c, 'hello-go'), 'I am node', "B's former route answers with A's body");

    await c.ok(['swap', 'hello-node', 'hello-go']);
    assert.equal(await body(c, 'hello-node'), 'I am node', 'swapping again restores the routes');
  });

  it('lists apps and routes as JSON', async () => {
    const apps = JSON.parse((await c.ok(['apps', '--json'])).stdout);
    assert.deepEqual(apps.apps.map((a: { name: string }) => a.name).sort(), ['hello-go', 'hello-node']);
    assert.deepEqual(apps.apps.find((a: any) => a.name === 'hello-go').instances, { running: 1, desired: 1 });
    const routes = JSON.parse((await c.ok(['routes', '--json'])).stdout);
    assert.deepEqual(routes.routes.map((x: { url: string }) => x.url).sort(), ['hello-go.localhost', 'hello-node.localhost']);
  });

  it('push --preview says what will change, and changes nothing', async () => {
    const fresh = await c.ok(['push', 'brand-new', '--preview', '--json'], { cwd: join(work, 'hello-node') });
    const [nw] = JSON.parse(fresh.stdout).apps;
    assert.equal(nw.name, 'brand-new');
    assert.equal(nw.isNew, true);
    const m = join(work, 'hello-go', 'manifest.yml');
    const before = readFileSync(m, 'utf8');
    writeFileSync(m, 'applications:\n- name: hello-go\n  instances: 2\n  env:\n    GREETING: hi\n');
    try {
      const r = await c.ok(['push', '--preview', '--json'], { cwd: join(work, 'hello-go') });
      const [app] = JSON.parse(r.stdout).apps;
      assert.equal(app.isNew, false);
      const paths = app.changes.map((x: { path: string }) => x.path).sort();
      assert.ok(
        paths.some((p: string) => p.includes('instances')),
        paths.join(','),
      );
      assert.ok(
        paths.some((p: string) => p.startsWith('env')),
        paths.join(','),
      );
      assert.match(JSON.stringify(app.changes), /GREETING/);
      const apps = JSON.parse((await c.ok(['apps', '--json'])).stdout).apps;
      assert.equal(apps.find((a: any) => a.name === 'hello-go').instances.desired, 1, 'preview changed nothing');
      assert.ok(!apps.some((a: any) => a.name === 'brand-new'));
    } finally {
      writeFileSync(m, before);
    }
  });

  it('restage stages the last package again and keeps serving', async () => {
    const r = await c.ok(['restage', 'hello-go']);
    assert.match(r.stdout, /Staging hello-go/);
    assert.equal(await body(c, 'hello-go'), 'hello CF summit');
  });

  it('map-route / unmap-route', async () => {
    await c.ok(['map-route', 'hello-go', 'localhost', '--hostname', 'extra']);
    assert.equal(await body(c, 'extra'), 'hello CF summit');
    await c.ok(['unmap-route', 'hello-go', 'localhost', '--hostname', 'extra']);
    const res = await httpGet(`http://extra.localhost:${c.routerPort}/`);
    assert.equal(res.status, 404);
    assert.equal(res.body, `404 Not Found: Requested route ('extra.localhost:${c.routerPort}') does not exist.\n`);
  });

  it('stop, start and delete', async () => {
    await c.ok(['stop', 'hello-go']);
    assert.equal((await httpGet(`http://hello-go.localhost:${c.routerPort}/`)).status, 404);
    await c.ok(['start', 'hello-go']);
    assert.equal(await body(c, 'hello-go'), 'hello CF summit');
    await c.ok(['delete', 'hello-go', '-f']);
    const apps = JSON.parse((await c.ok(['apps', '--json'])).stdout);
    assert.deepEqual(
      apps.apps.map((a: { name: string }) => a.name),
      ['hello-node'],
    );
  });

  it('oauth-token prints a bearer JWT the API accepts', async () => {
    const tok = (await c.ok(['oauth-token'])).stdout.trim();
    assert.match(tok, /^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const res = await fetch(`http://127.0.0.1:${c.apiPort}/v3/apps`, { headers: { authorization: tok } });
    assert.equal(res.status, 200);
    const anon = await fetch(`http://127.0.0.1:${c.apiPort}/v3/apps`);
    assert.equal(anon.status, 401);
  });

  it('symlinks inside the app folder are pushed as links; one leading outside is named before anything is uploaded', async () => {
    const dir = join(work, 'links');
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
    rmSync(join(dir, 'manifest.yml'), { force: true });
    mkdirSync(join(dir, 'node_modules', 'tool'), { recursive: true });
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'tool', 'cli.js'), 'console.log("tool")\n');
    symlinkSync('../tool/cli.js', join(dir, 'node_modules', '.bin', 'tool'));
    symlinkSync('node_modules/tool', join(dir, 'tool-dir'));
    await c.ok(['push', 'links', '-p', dir]);
    assert.equal(await body(c, 'links'), 'hello CF summit');

    symlinkSync('/etc/passwd', join(dir, 'passwd'));
    const out = await c.run(['push', 'links', '-p', dir]);
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      /'passwd' is a symlink to '\/etc\/passwd', outside the app folder: Cloud Foundry refuses such an upload \(Symlink\(s\) point outside of root folder\)/,
    );
    assert.match(out.stderr, /Add 'passwd' to \.cfignore/);
    assert.doesNotMatch(out.stdout, /Uploading/);
    rmSync(join(dir, 'passwd'));
    // A link whose text stays inside but which leads out through another link.
    symlinkSync('.', join(dir, 'here'));
    symlinkSync('here/..', join(dir, 'up'));
    const through = await c.run(['push', 'links', '-p', dir]);
    assert.equal(through.code, 1);
    assert.match(through.stderr, /'up' is a symlink to 'here\/\.\.', outside the app folder/);
  });

  it('Ctrl-C during the staging of a new app cancels the push and removes the app it had created', async () => {
    const dir = join(work, 'slow');
    const bp = join(work, 'slow-bp');
    mkdirSync(join(dir), { recursive: true });
    mkdirSync(join(bp, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'index.txt'), 'slow\n');
    writeFileSync(join(bp, 'bin', 'detect'), '#!/bin/sh\nexit 0\n');
    writeFileSync(join(bp, 'bin', 'supply'), '#!/bin/sh\necho "staging slowly"\nsleep 60\n');
    writeFileSync(join(bp, 'bin', 'finalize'), '#!/bin/sh\nexit 0\n');
    writeFileSync(join(bp, 'bin', 'release'), '#!/bin/sh\necho "default_process_types: {web: sleep 1000}"\n');
    for (const f of ['detect', 'supply', 'finalize', 'release']) chmodSync(join(bp, 'bin', f), 0o755);
    const child = spawn(process.execPath, [cliPath, 'push', 'slow', '-p', dir, '-b', bp], { env: c.env, cwd: work });
    let out = '';
    let interrupted = false;
    const watch = (d: Buffer) => {
      out += d;
      if (/staging slowly/.test(out) && !interrupted) {
        interrupted = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    const code = await new Promise<number | null>((res) => child.on('close', res));
    assert.notEqual(code, 0, out);
    assert.match(out, /Cancelling the push/);
    assert.match(out, /Push cancelled; removed slow, which this push had created/);
    const apps = JSON.parse((await c.ok(['apps', '--json'])).stdout).apps;
    assert.ok(!apps.some((a: any) => a.name === 'slow'), 'the created app is gone');
    const routes = JSON.parse((await c.ok(['routes', '--json'])).stdout);
    assert.ok(!JSON.stringify(routes).includes('slow.localhost'), 'and its route');
    // Its staging stopped with it: no buildpack process of it is left running.
    await new Promise((r) => setTimeout(r, 500));
    const left = execFileSync('ps', ['-eo', 'args'])
      .toString()
      .split('\n')
      .filter((l) => l.includes(join(bp, 'bin')));
    assert.deepEqual(left, [], 'the slow buildpack was stopped');
  });

  it('push -p DIR without a manifest names the app after DIR, not after the current folder', async () => {
    const dir = join(work, 'p-named');
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
    rmSync(join(dir, 'manifest.yml'), { force: true });
    const r = await c.ok(['push', '-p', dir, '--json'], { cwd: work });
    assert.equal(JSON.parse(r.stdout).apps[0].name, 'p-named');
    assert.equal(await body(c, 'p-named'), 'hello CF summit');
  });
});

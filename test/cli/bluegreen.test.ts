// Blue-green push and swap-back through the CLI against a real foundation:
// zero failed requests under load, scale kept, a failing smoke test leaves
// live untouched, and a CLI killed at any step is repaired by the next run.
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import { cliEnv, type CliEnv } from '../helpers/cli';

const SERVER = `const fs = require('fs');
const body = fs.readFileSync(__dirname + '/body.txt', 'utf8').trim();
require('http').createServer((q, s) => {
  if (q.url === '/health' && body.includes('broken')) { s.statusCode = 500; return s.end('unhealthy'); }
  s.end(body);
}).listen(process.env.PORT);
`;

/** Keep-alive GETs from `conns` loops until stopped: counts failures and bodies seen. */
function load(port: number, host: string, conns = 20) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  const seen = new Map<string, number>();
  let failed = 0;
  let ok = 0;
  let stop = false;
  const one = () =>
    new Promise<void>((res) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (r) => {
        let b = '';
        r.on('data', (c) => (b += c));
        r.on('end', () => {
          if (r.statusCode === 200) {
            ok++;
            seen.set(b, (seen.get(b) ?? 0) + 1);
          } else failed++;
          res();
        });
      });
      req.on('error', () => {
        failed++;
        res();
      });
    });
  const loops = Array.from({ length: conns }, async () => {
    while (!stop) await one();
  });
  return {
    async finish() {
      stop = true;
      await Promise.all(loops);
      agent.destroy();
      return { ok, failed, seen };
    },
  };
}

describe('blue-green push', { timeout: 900_000 }, () => {
  let c: CliEnv;
  let dir: string;
  const version = (body: string) => writeFileSync(join(dir, 'body.txt'), body + '\n');
  const answer = async () => (await httpGet(`http://bg.localhost:${c.routerPort}/`)).body;
  const appNames = async () =>
    JSON.parse((await c.ok(['apps', '--json'])).stdout)
      .apps.map((a: { name: string }) => a.name)
      .sort();
  const routeUrls = async () =>
    JSON.parse((await c.ok(['routes', '--json'])).stdout)
      .routes.map((r: { url: string }) => r.url)
      .sort();

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    dir = mkdtempSync(join(tmpdir(), 'cfpush-bg-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name":"bg","scripts":{"start":"node server.js"}}');
    writeFileSync(join(dir, 'server.js'), SERVER);
    writeFileSync(join(dir, 'manifest.yml'), 'applications:\n- name: bg\n  memory: 64M\n');
    version('v1');
    await c.ok(['push'], { cwd: dir });
    await c.ok(['scale', 'bg', '-i', '3']);
  });
  after(async () => c?.cleanup());

  it('swaps to the new version with zero failed requests and keeps the scale', async () => {
    version('v2');
    const l = load(c.routerPort, 'bg.localhost');
    const r = await c.ok(['push', '--strategy', 'blue-green'], { cwd: dir });
    const res = await l.finish();
    assert.equal(res.failed, 0, 'no failed request during the blue-green push');
    assert.ok(res.ok > 50, `load ran (${res.ok} requests)`);
    assert.ok(res.seen.has('v1') && res.seen.has('v2'), `both versions served during the push: ${[...res.seen.keys()]}`);
    assert.equal(await answer(), 'v2');
    assert.deepEqual(await appNames(), ['bg', 'bg-previous']);
    assert.deepEqual(await routeUrls(), ['bg.localhost'], 'temporary route removed');
    const apps = JSON.parse((await c.ok(['apps', '--json'])).stdout).apps;
    assert.deepEqual(apps.find((a: any) => a.name === 'bg').instances, { running: 3, desired: 3 }, 'scale preserved');
    assert.equal(apps.find((a: any) => a.name === 'bg-previous').state, 'STOPPED');
    assert.match(r.stdout, /Smoke test: GET http:\/\/bg-next\.localhost/);
  });

  it('swap-back restores the previous version with zero failed requests', async () => {
    const l = load(c.routerPort, 'bg.localhost');
    await c.ok(['swap-back', 'bg']);
    const res = await l.finish();
    assert.equal(res.failed, 0);
    assert.equal(await answer(), 'v1');
    assert.deepEqual(await appNames(), ['bg', 'bg-previous']);
    await c.ok(['swap-back', 'bg']);
    assert.equal(await answer(), 'v2', 'and forth again');
  });

  it('a failing smoke test leaves the live app untouched and says why', async () => {
    version('v3 broken');
    const r = await c.run(['push', '--strategy', 'blue-green', '--smoke-test-path', '/health'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Smoke test failed: GET http:\/\/bg-next\.localhost:\d+\/health answered 500: unhealthy/);
    assert.match(r.stderr, /live app was not touched/);
    assert.equal(await answer(), 'v2');
    assert.deepEqual(await appNames(), ['bg', 'bg-previous']);
    assert.deepEqual(await routeUrls(), ['bg.localhost']);
  });

  it('a smoke-test command gets APP_URL and gates the swap', async () => {
    version('v4');
    const r = await c.run(['push', '--strategy', 'blue-green', '--smoke-test-command', 'echo checking $APP_URL; exit 3'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /\[SMOKE\] checking http:\/\/bg-next\.localhost:\d+\//);
    assert.match(r.stderr, /exited 3/);
    assert.equal(await answer(), 'v2');
  });

  const steps = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'];
  it(`a CLI killed at each step (${steps.join(', ')}) is repaired by the next push`, async () => {
    let n = 10;
    for (const step of steps) {
      version(`v${++n}`);
      const killed = await c.run(['push', '--strategy', 'blue-green'], { cwd: dir, env: { CFPUSH_CRASH_AT: step } });
      assert.notEqual(killed.code, 0, `${step}: the CLI was killed`);
      version(`v${++n}`);
      await c.ok(['push', '--strategy', 'blue-green'], { cwd: dir });
      assert.equal(await answer(), `v${n}`, `${step}: the next push serves the new version`);
      assert.deepEqual(await appNames(), ['bg', 'bg-previous'], `${step}: no stray apps`);
      assert.deepEqual(await routeUrls(), ['bg.localhost'], `${step}: no stray routes`);
    }
  });

  const backSteps = ['s1', 's2', 's3', 's4', 's5', 's6'];
  it(`a swap-back killed at each step (${backSteps.join(', ')}) is repaired by the next push`, async () => {
    let n = 100;
    for (const step of backSteps) {
      const killed = await c.run(['swap-back', 'bg'], { env: { CFPUSH_CRASH_AT: step } });
      assert.notEqual(killed.code, 0, `${step}: the CLI was killed`);
      version(`v${++n}`);
      await c.ok(['push', '--strategy', 'blue-green'], { cwd: dir });
      assert.equal(await answer(), `v${n}`, `${step}: the next push serves the new version`);
      assert.deepEqual(await appNames(), ['bg', 'bg-previous'], `${step}: no stray apps`);
      assert.deepEqual(await routeUrls(), ['bg.localhost'], `${step}: no stray routes`);
    }
  });

  it('push --strategy rolling replaces instances through a CC deployment with zero failed requests', async () => {
    version('rolled');
    const l = load(c.routerPort, 'bg.localhost');
    const r = await c.ok(['push', '--strategy', 'rolling'], { cwd: dir });
    const res = await l.finish();
    assert.match(r.stdout, /Rolling deployment of bg/);
    assert.equal(res.failed, 0, 'no failed request during the rolling deployment');
    assert.ok(res.seen.has('rolled'), 'the new version served during the rollout');
    assert.equal(await answer(), 'rolled');
    assert.deepEqual(await appNames(), ['bg', 'bg-previous'], 'a rolling push makes no second app');
  });

  it('push --strategy canary stops with one canary instance next to the old ones; continue-deployment rolls out the rest; 0 failed requests', async () => {
    version('canary');
    const l = load(c.routerPort, 'bg.localhost');
    const r = await c.ok(['push', '--strategy', 'canary', '--json'], { cwd: dir });
    const [pushed] = JSON.parse(r.stdout).apps;
    assert.equal(pushed.deployment.reason, 'PAUSED');
    assert.deepEqual(pushed.deployment.canarySteps, { current: 1, total: 1 });
    // While paused both versions answer: 3 old instances and the canary.
    const mixed = new Set<string>();
    for (let i = 0; i < 40 && mixed.size < 2; i++) mixed.add(await answer());
    assert.deepEqual([...mixed].sort(), ['canary', 'rolled']);
    const cont = await c.ok(['continue-deployment', 'bg']);
    assert.match(cont.stdout, /bg: deployment FINALIZED DEPLOYED/);
    const res = await l.finish();
    assert.equal(res.failed, 0, 'no failed request during the canary and its rollout');
    for (let i = 0; i < 6; i++) assert.equal(await answer(), 'canary');
    const apps = JSON.parse((await c.ok(['apps', '--json'])).stdout).apps;
    assert.deepEqual(apps.find((a: any) => a.name === 'bg').instances, { running: 3, desired: 3 }, 'scale preserved');
  });

  it('cancel-deployment takes a paused canary back; steps and usage errors are reported', async () => {
    version('canary-2');
    const r = await c.ok(['push', '--strategy', 'canary', '--instance-steps', '34,67'], { cwd: dir });
    assert.match(r.stdout, /deployment: PAUSED \(canary step 1 of 2\)/);
    assert.match(r.stdout, /cfpush continue-deployment bg/);
    const nothing = await c.run(['continue-deployment', 'bg', '--no-wait']);
    assert.equal(nothing.code, 0, nothing.stderr);
    // --no-wait returns at once; cancel takes the deployment back from wherever it stands.
    await c.ok(['cancel-deployment', 'bg']);
    for (let i = 0; i < 6; i++) assert.equal(await answer(), 'canary', 'the previous version serves again');
    const none = await c.run(['cancel-deployment', 'bg']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /No active deployment for app bg/);
    const bad = await c.run(['push', '--strategy', 'rolling', '--instance-steps', '10'], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--instance-steps applies to --strategy canary only/);
    const unsorted = await c.run(['push', '--strategy', 'canary', '--instance-steps', '50,10'], { cwd: dir });
    assert.equal(unsorted.code, 1);
    assert.match(unsorted.stderr, /ascending whole percentages between 1 and 100/);
  });
});

// `cf push` with the flags and lifecycles a Cloud Foundry user reaches for
// (issue 15 item 1): each exits 0 and leaves on the local foundation what CC
// would record, checked through the API (`cf curl`) and the router.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import { buildTestImage, requireEngine } from '../docker/engine';
import { repoRoot } from '../helpers/cli';
import { cfSession, exampleApp, NO_CF, requireCf, type CfSession } from './cf';

describe('cf CLI: push flags, lifecycles and strategies', { timeout: 900_000 }, () => {
  let s: CfSession | undefined;
  let dir = '';
  const body = async (host: string) => (await httpGet(`http://${host}.localhost:${s!.c.routerPort}/`)).body;
  /** `cf curl PATH`, parsed. */
  const curl = async (path: string, ...args: string[]) => JSON.parse((await s!.ok(['curl', path, ...args])).stdout);
  const app = async (name: string) => (await curl(`/v3/apps?names=${name}`)).resources[0];
  const web = async (name: string) => curl(`/v3/apps/${(await app(name)).guid}/processes/web`);
  const routes = async (name: string) => (await curl(`/v3/apps/${(await app(name)).guid}/routes`)).resources as { host: string; url: string }[];

  before(async () => {
    const cf = requireCf();
    if (!cf) return;
    s = await cfSession(cf);
    dir = exampleApp('hello-node', 'cf-flags');
  });
  after(async () => s?.cleanup());

  test('cf push -i -m -k -c -u http --endpoint -t --random-route: the process and route CC would record', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok([
      'push',
      'cf-flags',
      '-p',
      dir,
      '-i',
      '2',
      '-m',
      '64M',
      '-k',
      '256M',
      '-c',
      'node server.js',
      '-u',
      'http',
      '--endpoint',
      '/',
      '-t',
      '30',
      '--random-route',
    ]);
    const p = await web('cf-flags');
    assert.equal(p.instances, 2);
    assert.equal(p.memory_in_mb, 64);
    assert.equal(p.disk_in_mb, 256);
    assert.equal(p.command, 'node server.js');
    assert.equal(p.health_check.type, 'http');
    assert.equal(p.health_check.data.timeout, 30);
    assert.equal(p.health_check.data.endpoint, '/');
    const stats = await curl(`/v3/processes/${p.guid}/stats`);
    assert.deepEqual(
      stats.resources.map((r: { state: string }) => r.state),
      ['RUNNING', 'RUNNING'],
    );
    const [route, ...more] = await routes('cf-flags');
    assert.equal(more.length, 0);
    assert.match(route!.host, /^cf-flags-[a-z]+-[a-z]+-\d+$/, `a random host as CC makes it (name-adjective-noun-number): ${route!.host}`);
    assert.equal(await body(route!.host), 'hello CF summit');
  });

  test('cf push --no-route: started with no route', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['push', 'cf-noroute', '-p', dir, '-m', '64M', '--no-route']);
    assert.equal((await app('cf-noroute')).state, 'STARTED');
    assert.deepEqual(await routes('cf-noroute'), []);
  });

  test("cf push -s with a stack the foundation lacks: CC's 422, nothing created", async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.run(['push', 'cf-nostack', '-p', dir, '-m', '64M', '-s', 'cflinuxfs2']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /Stack must be an existing stack/);
    assert.equal(await app('cf-nostack'), undefined);
  });

  test('cf push --no-start: the package is uploaded, nothing staged or run; cf start stages and runs it', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['push', 'cf-nostart', '-p', dir, '-m', '64M', '--no-start']);
    const a = await app('cf-nostart');
    assert.equal(a.state, 'STOPPED');
    const packages = (await curl(`/v3/apps/${a.guid}/packages`)).resources;
    assert.deepEqual(
      packages.map((p: { state: string }) => p.state),
      ['READY'],
    );
    assert.equal((await curl(`/v3/apps/${a.guid}/droplets`)).resources.length, 0);
    const start = await s.ok(['start', 'cf-nostart']);
    assert.match(start.stdout, /Staging app/);
    assert.equal(await body('cf-nostart'), 'hello CF summit');
  });

  test('cf push --droplet: a droplet staged elsewhere (cfpush stage) runs without staging', async (t) => {
    if (!s) return t.skip(NO_CF);
    const droplet = join(s.cfHome, 'hello.tgz');
    await s.c.ok(['stage', join(repoRoot, 'examples', 'hello-node'), '-o', droplet]);
    const r = await s.ok(['push', 'cf-droplet', '--droplet', droplet, '-m', '64M']);
    assert.doesNotMatch(r.stdout, /Staging app/);
    assert.equal(await body('cf-droplet'), 'hello CF summit');
    const a = await app('cf-droplet');
    assert.equal((await curl(`/v3/apps/${a.guid}/packages`)).resources.length, 0, 'no package: the droplet was uploaded');
    assert.equal((await curl(`/v3/apps/${a.guid}/droplets/current`)).state, 'STAGED');
  });

  test('cf push --task: staged, not started, no route; cf run-task runs on it', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['push', 'cf-taskapp', '-p', dir, '-m', '64M', '--task']);
    const a = await app('cf-taskapp');
    assert.equal(a.state, 'STOPPED');
    assert.deepEqual(await routes('cf-taskapp'), []);
    assert.equal((await curl(`/v3/apps/${a.guid}/droplets/current`)).state, 'STAGED');
    await s.ok(['run-task', 'cf-taskapp', '--command', 'echo from the task', '--name', 'once']);
    let state = '';
    for (let i = 0; i < 200 && !/SUCCEEDED|FAILED/.test(state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await curl(`/v3/apps/${a.guid}/tasks`)).resources[0]?.state ?? '';
    }
    assert.equal(state, 'SUCCEEDED');
  });

  test('cf push --strategy rolling: the new version replaces the old through a deployment, serving throughout', async (t) => {
    if (!s) return t.skip(NO_CF);
    const roll = exampleApp('hello-node', 'cf-roll');
    await s.ok(['push', 'cf-roll', '-p', roll, '-m', '64M']);
    assert.equal(await body('cf-roll'), 'hello CF summit');
    const server = join(roll, 'server.js');
    writeFileSync(server, readFileSync(server, 'utf8').replace(/res\.end\([^)]*\)/, "res.end('hello rolled')"));
    // Poll the route while the deployment runs: every answer is one version or the other.
    const seen = new Set<string>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const r = await httpGet(`http://cf-roll.localhost:${s!.c.routerPort}/`);
        seen.add(`${r.status} ${r.body}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const r = await s.ok(['push', 'cf-roll', '-p', roll, '-m', '64M', '--strategy', 'rolling']);
    polling = false;
    await poller;
    assert.match(r.stdout, /Starting deployment for app cf-roll\.\.\.\nWaiting for app to deploy\.\.\./);
    assert.equal(await body('cf-roll'), 'hello rolled');
    assert.deepEqual(
      [...seen].filter((x) => !/^200 hello (CF summit|rolled)$/.test(x)),
      [],
    );
    const a = await app('cf-roll');
    const [d] = (await curl(`/v3/deployments?app_guids=${a.guid}&order_by=-created_at`)).resources;
    assert.equal(d.strategy, 'rolling');
    assert.deepEqual([d.status.value, d.status.reason], ['FINALIZED', 'DEPLOYED']);
  });

  test('a canary deployment through cf curl (cf 8.0 has no --strategy canary): paused at one instance, continued to the end', async (t) => {
    if (!s) return t.skip(NO_CF);
    const a = await app('cf-roll');
    const droplets = (await curl(`/v3/apps/${a.guid}/droplets`)).resources as { guid: string; created_at: string }[];
    const older = [...droplets].sort((x, y) => x.created_at.localeCompare(y.created_at))[0]!;
    const d = await curl(
      '/v3/deployments',
      '-X',
      'POST',
      '-d',
      JSON.stringify({ strategy: 'canary', droplet: { guid: older.guid }, relationships: { app: { data: { guid: a.guid } } } }),
    );
    let status = d.status;
    for (let i = 0; i < 200 && status.reason !== 'PAUSED'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await curl(`/v3/deployments/${d.guid}`)).status;
    }
    assert.deepEqual([status.value, status.reason], ['ACTIVE', 'PAUSED']);
    await curl(`/v3/deployments/${d.guid}/actions/continue`, '-X', 'POST');
    for (let i = 0; i < 200 && status.value !== 'FINALIZED'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await curl(`/v3/deployments/${d.guid}`)).status;
    }
    assert.deepEqual([status.value, status.reason], ['FINALIZED', 'DEPLOYED']);
    assert.equal(await body('cf-roll'), 'hello CF summit');
  });

  test('cf push --docker-image: the docker lifecycle, served through the router', async (t) => {
    if (!s) return t.skip(NO_CF);
    const docker = await requireEngine(t);
    if (!docker) return;
    const img = await buildTestImage(docker, 'cf-docker', readFileSync(join(repoRoot, 'examples', 'hello-docker', 'Dockerfile'), 'utf8'), {
      'server.js': readFileSync(join(repoRoot, 'examples', 'hello-docker', 'server.js'), 'utf8'),
    });
    try {
      const r = await s.ok(['push', 'cf-docker', '--docker-image', img.image, '-m', '64M']);
      assert.match(r.stdout, new RegExp(`docker image:\\s+${img.image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.equal(await body('cf-docker'), 'hello CF summit');
      const a = await app('cf-docker');
      assert.equal(a.lifecycle.type, 'docker');
      await s.ok(['delete', 'cf-docker', '-f', '-r']);
    } finally {
      await docker
        .getImage(img.image)
        .remove({ force: true })
        .catch(() => {});
    }
  });
});

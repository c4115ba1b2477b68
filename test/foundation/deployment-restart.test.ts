// A rolling deployment survives the foundation being killed (-9) half-way:
// after the restart it goes on from the instance counts in the state, like
// CC's deployment updater, and ends DEPLOYED with one web process serving the
// new droplet; a cancel after a restart restores the old instance count.
// Real daemon, real app processes, answers through the router.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { Api, cleanup, http, startTestFoundation, tempDir, until } from './helpers';
import { procfileApp, pushNoStart, uploadAndStage } from './conformance/util';
import { daemonApi, descendsFrom, killMarked, okCli, processesWithEnv, runCli, snapshotCli } from './supervisor-helpers';
import { deploymentReason, waitRunning } from './helpers';

// A v1 instance takes ~300 ms to listen, a v2 one ~1.5 s: a 3-instance rollout (max_in_flight 1)
// takes several seconds, so a cancel sent right after a restart lands while it still runs.
const APP_JS = `
setTimeout(() => require('http').createServer((q, s) => s.end(process.env.TAG + ':' + process.env.CF_INSTANCE_INDEX)).listen(process.env.PORT),
  process.env.TAG === 'v2' ? 1500 : 300);
`;

interface Info {
  pid: number;
  apiUrl: string;
  routerUrl: string;
}

describe('rolling deployment across a foundation kill -9', { timeout: 240_000 }, () => {
  let c: CliEnv;
  let cli: string;
  let dataDir: string;
  let dir: string;
  let api: Api;

  const info = (): Info => JSON.parse(readFileSync(join(dataDir, 'foundation.json'), 'utf8')) as Info;
  const webs = async (appGuid: string) => (await api.get(`/v3/apps/${appGuid}/processes?types=web`)).json.resources as any[];

  async function killAndRestart(): Promise<void> {
    process.kill(info().pid, 'SIGKILL');
    await okCli(cli, c.env, ['foundation', 'start'], c.home);
    api = await daemonApi(info().apiUrl, dataDir);
  }

  /** Starts a rolling deployment of a new build with TAG=tag; resolves once it is half-way (both web processes run instances). */
  async function deployHalfWay(appGuid: string, tag: string): Promise<any> {
    await api.patch(`/v3/apps/${appGuid}/environment_variables`, { var: { TAG: tag } });
    const build = await uploadAndStage(api, appGuid, dir);
    const res = await api.post('/v3/deployments', { droplet: { guid: build.droplet.guid }, relationships: { app: { data: { guid: appGuid } } } });
    assert.equal(res.status, 201, res.text);
    await until(
      async () => {
        const w = await webs(appGuid);
        return w.length === 2 && w[1].instances >= 1 && w[0].instances >= 1;
      },
      20_000,
      'the deployment half-way',
      20,
    );
    return res.json;
  }

  before(async () => {
    cli = await snapshotCli();
    c = await cliEnv();
    dataDir = join(c.home, 'foundation');
    dir = procfileApp(APP_JS);
    await okCli(cli, c.env, ['foundation', 'start'], c.home);
    api = await daemonApi(info().apiUrl, dataDir);
  });
  after(async () => {
    if (c) await runCli(cli, c.env, ['foundation', 'stop'], c.home);
    if (dataDir) killMarked(dataDir);
    await c?.cleanup();
    if (cli) cleanup(join(cli, '..', '..'));
    if (dir) cleanup(dir);
  });

  test('killed half-way, the deployment goes on after the restart and ends DEPLOYED with one web process', async () => {
    const { app } = await pushNoStart(api, 'roll-kill', dir, '  instances: 3\n  env: {TAG: v1}\n');
    assert.equal((await api.post(`/v3/apps/${app.guid}/actions/start`)).status, 200);
    await waitRunning(api, app.guid);
    const d = await deployHalfWay(app.guid, 'v2');
    await killAndRestart();

    const done = await until(
      async () => {
        const x = (await api.get(`/v3/deployments/${d.guid}`)).json;
        return x.status.value === 'FINALIZED' ? x : undefined;
      },
      60_000,
      'deployment FINALIZED after the restart',
      50,
    );
    assert.equal(done.status.reason, 'DEPLOYED', JSON.stringify(done.status));
    const w = await webs(app.guid);
    assert.equal(w.length, 1, 'one web process is left');
    assert.equal(w[0].guid, d.new_processes[0].guid, 'the new one');
    assert.equal(w[0].instances, 3);
    const stats = await waitRunning(api, app.guid);
    assert.equal(stats.length, 3);
    // Every instance of the app is the new droplet's, and no process of the killed foundation is left.
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await http(`${info().routerUrl}/`, { headers: { host: 'roll-kill.localhost' } });
      assert.equal(r.status, 200, r.text);
      seen.add(r.text.split(':')[0]!);
    }
    assert.deepEqual([...seen], ['v2']);
    for (const pid of processesWithEnv('CFPUSH_FOUNDATION', dataDir))
      assert.ok(descendsFrom(pid, info().pid), `pid ${pid} is left over from the killed foundation`);
  });

  test('a deployment canceled after a restart puts the old droplet and instance count back', async () => {
    const { app } = await pushNoStart(api, 'roll-cancel', dir, '  instances: 3\n  env: {TAG: v1}\n');
    assert.equal((await api.post(`/v3/apps/${app.guid}/actions/start`)).status, 200);
    await waitRunning(api, app.guid);
    const v1 = (await api.get(`/v3/apps/${app.guid}/droplets/current`)).json.guid;
    const d = await deployHalfWay(app.guid, 'v2');
    await killAndRestart();
    const cancel = await api.post(`/v3/deployments/${d.guid}/actions/cancel`);
    assert.equal(cancel.status, 200, cancel.text);
    const done = await until(
      async () => {
        const x = (await api.get(`/v3/deployments/${d.guid}`)).json;
        return x.status.value === 'FINALIZED' ? x : undefined;
      },
      60_000,
      'deployment FINALIZED after cancel',
      50,
    );
    assert.equal(done.status.reason, 'CANCELED');
    assert.equal((await api.get(`/v3/apps/${app.guid}/droplets/current`)).json.guid, v1);
    const w = await webs(app.guid);
    assert.equal(w.length, 1);
    assert.notEqual(w[0].guid, d.new_processes[0].guid, 'the old web process stays');
    assert.equal(w[0].instances, 3, 'with the instances it had before the deployment');
    await waitRunning(api, app.guid);
    const r = await http(`${info().routerUrl}/`, { headers: { host: 'roll-cancel.localhost' } });
    assert.equal(r.status, 200, `${r.status} ${r.text}`);
    assert.match(r.text, /^v[12]:/);
  });

  test('a canary paused at its step is still PAUSED there after a kill -9 and restart; continue finishes it', async () => {
    const { app } = await pushNoStart(api, 'canary-kill', dir, '  instances: 2\n  env: {TAG: v1}\n');
    assert.equal((await api.post(`/v3/apps/${app.guid}/actions/start`)).status, 200);
    await waitRunning(api, app.guid);
    await api.patch(`/v3/apps/${app.guid}/environment_variables`, { var: { TAG: 'v2' } });
    const build = await uploadAndStage(api, app.guid, dir);
    const res = await api.post('/v3/deployments', {
      strategy: 'canary',
      droplet: { guid: build.droplet.guid },
      relationships: { app: { data: { guid: app.guid } } },
    });
    assert.equal(res.status, 201, res.text);
    const reasonIs = (reason: string) => deploymentReason(api, res.json.guid, reason);
    await reasonIs('PAUSED');
    await killAndRestart();
    // PAUSED may not have reached the disk before the kill (background changes are
    // flushed soon, not at once): then step 1 is brought up again and pauses there.
    const paused = await reasonIs('PAUSED');
    assert.deepEqual(paused.status.canary, { steps: { current: 1, total: 1 } });
    assert.deepEqual((await webs(app.guid)).map((w) => w.instances).sort(), [1, 2], 'the old instances and one canary');
    assert.equal((await api.post(`/v3/deployments/${res.json.guid}/actions/continue`)).status, 200);
    const done = await reasonIs('DEPLOYED');
    assert.equal(done.status.value, 'FINALIZED');
    const w = await webs(app.guid);
    assert.deepEqual(
      w.map((x) => x.instances),
      [2],
    );
  });

  test('a deployment in flight when the foundation stops (gracefully) finishes after the next start', async () => {
    const data = tempDir('cfpush-roll-close-');
    let f = await startTestFoundation(data);
    let local = await Api.connect(f);
    try {
      const { app } = await pushNoStart(local, 'roll-close', dir, '  instances: 2\n  env: {TAG: v1}\n');
      assert.equal((await local.post(`/v3/apps/${app.guid}/actions/start`)).status, 200);
      await waitRunning(local, app.guid);
      await local.patch(`/v3/apps/${app.guid}/environment_variables`, { var: { TAG: 'v2' } });
      const build = await uploadAndStage(local, app.guid, dir);
      const res = await local.post('/v3/deployments', { droplet: { guid: build.droplet.guid }, relationships: { app: { data: { guid: app.guid } } } });
      assert.equal(res.status, 201, res.text);
      await f.close();
      assert.equal(JSON.parse(readFileSync(join(data, 'state.json'), 'utf8')).deployments[res.json.guid].value, 'ACTIVE', 'stopped mid-rollout');
      f = await startTestFoundation(data);
      local = await Api.connect(f);
      const done = await deploymentReason(local, res.json.guid, 'DEPLOYED');
      assert.equal(done.status.value, 'FINALIZED');
      assert.equal((await local.get(`/v3/apps/${app.guid}/processes?types=web`)).json.resources.length, 1);
    } finally {
      await f.close();
      cleanup(data);
    }
  });
});

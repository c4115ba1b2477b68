// The real cf CLI on what the foundation's one user owns anyway (issue 15
// items 7 and 8): services and an empty marketplace, stacks, feature flags,
// environment variable groups (in staging and in instances), app usage events,
// and copying an app's source and droplet.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import { cfSession, exampleApp, NO_CF, requireCf, type CfSession } from './cf';

describe('cf CLI: services, stacks and platform settings', { timeout: 600_000 }, () => {
  let s: CfSession | undefined;
  let dir = '';
  const json = async (path: string) => JSON.parse((await s!.ok(['curl', path])).stdout);

  before(async () => {
    const cf = requireCf();
    if (!cf) return;
    s = await cfSession(cf);
    dir = exampleApp('hello-node', 'plat');
    // The app answers with the variables the groups set, so the test sees them in a running instance.
    writeFileSync(
      join(dir, 'server.js'),
      "require('http').createServer((q, r) => r.end(JSON.stringify({ run: process.env.RUN_GROUP, own: process.env.OWN }))).listen(process.env.PORT);\n",
    );
  });
  after(async () => s?.cleanup());

  test("environment variable groups: set and shown by cf; the running group reaches instances below the app's own variables", async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['set-running-environment-variable-group', '{"RUN_GROUP":"from-group","OWN":"group"}']);
    await s.ok(['set-staging-environment-variable-group', '{"STAGE_GROUP":"yes"}']);
    assert.match((await s.ok(['running-environment-variable-group'])).stdout, /RUN_GROUP\s+from-group/);
    assert.match((await s.ok(['staging-environment-variable-group'])).stdout, /STAGE_GROUP\s+yes/);
    await s.ok(['push', 'plat', '-p', dir, '-m', '64M', '--no-start']);
    await s.ok(['set-env', 'plat', 'OWN', 'app']);
    await s.ok(['start', 'plat']);
    const r = await httpGet(`http://plat.localhost:${s.c.routerPort}/`);
    assert.deepEqual(JSON.parse(r.body), { run: 'from-group', own: 'app' });
    const env = await s.ok(['env', 'plat']);
    assert.match(env.stdout, /Running Environment Variable Groups:\s*\n(.*\n)*?RUN_GROUP: from-group/);
    assert.match(env.stdout, /Staging Environment Variable Groups:\s*\n(.*\n)*?STAGE_GROUP: yes/);
  });

  test("feature flags: listed with CC's defaults, one read and changed", async (t) => {
    if (!s) return t.skip(NO_CF);
    const all = await s.ok(['feature-flags']);
    for (const [flag, state] of [
      ['diego_docker', 'enabled'],
      ['task_creation', 'enabled'],
      ['user_org_creation', 'disabled'],
    ]) {
      assert.match(all.stdout, new RegExp(`${flag}\\s+${state}`));
    }
    await s.ok(['disable-feature-flag', 'route_sharing']);
    assert.match((await s.ok(['feature-flag', 'route_sharing'])).stdout, /route_sharing\s+disabled/);
    const missing = await s.run(['feature-flag', 'no_such_flag']);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout + missing.stderr, /Feature flag 'no_such_flag' not found/);
  });

  test('stacks and the marketplace', async (t) => {
    if (!s) return t.skip(NO_CF);
    assert.match((await s.ok(['stacks'])).stdout, /cflinuxfs4\s+cf-push local foundation/);
    assert.match((await s.ok(['stack', 'cflinuxfs4'])).stdout, /name:\s+cflinuxfs4/);
    // The built-in broker's offerings, one free default plan each.
    assert.match((await s.ok(['marketplace'])).stdout, /^redis\s+default\s+A Redis database on this machine\s+cfpush\s*$/m);
  });

  test('user-provided services: create, bind (cf services and cf service show the app), update, unbind, delete', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['cups', 'creds', '-p', '{"user":"u","password":"p"}', '-t', 'db']);
    await s.ok(['bind-service', 'plat', 'creds']);
    assert.match((await s.ok(['services'])).stdout, /creds\s+user-provided\s+plat\s+create succeeded/);
    assert.match((await s.ok(['service', 'creds'])).stdout, /plat\s+create succeeded/);
    await s.ok(['uups', 'creds', '-p', '{"user":"u2"}']);
    const vcap = (await json(`/v3/apps/${(await json('/v3/apps?names=plat')).resources[0].guid}/env`)).system_env_json.VCAP_SERVICES;
    assert.equal(vcap['user-provided'][0].credentials.user, 'u2');
    await s.ok(['unbind-service', 'plat', 'creds']);
    assert.doesNotMatch((await s.ok(['services'])).stdout, /creds\s+user-provided\s+plat/);
    await s.ok(['delete-service', 'creds', '-f']);
    assert.match((await s.ok(['services'])).stdout, /No service instances found\./);
  });

  test('app usage events record starts, scales and stops', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['scale', 'plat', '-i', '2']);
    await s.ok(['stop', 'plat']);
    const events = (await json('/v3/app_usage_events')).resources.filter((e: any) => e.app.name === 'plat');
    const seen = events.map((e: any) => `${e.state.current}:${e.instance_count.current}`);
    assert.deepEqual(seen.slice(-3), ['STARTED:1', 'STARTED:2', 'STOPPED:2'], JSON.stringify(seen));
    assert.equal(events.at(-1).memory_in_mb_per_instance.current, 64);
  });

  test('cf copy-source copies the package to another app, which stages and starts it', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['start', 'plat']);
    await s.ok(['create-app', 'plat-copy']);
    await s.ok(['copy-source', 'plat', 'plat-copy']);
    await s.ok(['map-route', 'plat-copy', 'localhost', '--hostname', 'plat-copy']);
    const r = await httpGet(`http://plat-copy.localhost:${s.c.routerPort}/`);
    assert.equal(JSON.parse(r.body).run, 'from-group');
    // Droplet copy: the same bits for a third app, without staging.
    const source = (await json('/v3/apps?names=plat')).resources[0];
    const current = await json(`/v3/apps/${source.guid}/droplets/current`);
    await s.ok(['create-app', 'plat-third']);
    const third = (await json('/v3/apps?names=plat-third')).resources[0];
    const copied = await s.ok([
      'curl',
      '-X',
      'POST',
      `/v3/droplets?source_guid=${current.guid}`,
      '-d',
      JSON.stringify({ relationships: { app: { data: { guid: third.guid } } } }),
    ]);
    const d = JSON.parse(copied.stdout);
    assert.equal(d.state, 'STAGED');
    assert.equal(d.checksum.value, current.checksum.value);
  });
});

// The real cf CLI manages orgs, spaces, users and quotas on the local
// foundation (issue 15 item 5): each command exits 0 with CF's output, the
// API shows the state CC would have, bad input gets CC's errors, and
// deleting a space or an org takes everything in it away (its app's
// instance stops, its route stops answering).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import { cfSession, exampleApp, NO_CF, requireCf, type CfSession } from './cf';

describe('cf CLI: orgs, spaces, users, quotas', { timeout: 900_000 }, () => {
  let s: CfSession | undefined;
  const curl = async (path: string, ...args: string[]) => JSON.parse((await s!.ok(['curl', path, ...args])).stdout);
  const guidOf = async (kind: 'organizations' | 'spaces', name: string) => (await curl(`/v3/${kind}?names=${name}`)).resources[0]?.guid as string | undefined;
  /** The port an app's first instance listens on (from its process stats). */
  const instancePort = async (app: string) => {
    const a = (await curl(`/v3/apps?names=${app}`)).resources[0];
    const stats = await curl(`/v3/apps/${a.guid}/processes/web/stats`);
    return stats.resources[0].instance_ports[0].external as number;
  };
  const answers = async (url: string, headers?: Record<string, string>) =>
    httpGet(url, { headers, timeoutMs: 3000 }).then(
      (r) => r.status,
      () => 0,
    );

  before(async () => {
    const cf = requireCf();
    if (!cf) return;
    s = await cfSession(cf);
  });
  after(async () => s?.cleanup());

  test('cf create-org, cf target -o, cf org, cf orgs; a taken name is said and OK', async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.ok(['create-org', 'zorg']);
    assert.match(r.stdout, /Creating org zorg as admin\.\.\.\nOK/);
    assert.match(r.stdout, /TIP: Use 'cf target -o "zorg"' to target new org/);
    const again = await s.ok(['create-org', 'zorg']);
    assert.match(again.stdout, /Organization 'zorg' already exists\.\nOK/);
    const target = await s.ok(['target', '-o', 'zorg']);
    assert.match(target.stdout, /org:\s+zorg/);
    const org = await s.ok(['org', 'zorg']);
    assert.match(org.stdout, /name:\s+zorg\ndomains:\s+localhost\nquota:\s+default\nspaces:\s*\nisolation segments:/);
    assert.match((await s.ok(['orgs'])).stdout, /name\norg\nzorg/);
    const o = (await curl('/v3/organizations?names=zorg')).resources[0];
    const quota = await curl(`/v3/organization_quotas/${o.relationships.quota.data.guid}`);
    assert.equal(quota.name, 'default');
    assert.ok(quota.relationships.organizations.data.some((x: { guid: string }) => x.guid === o.guid));
    const dup = await s.run(['curl', '-X', 'POST', '/v3/organizations', '-d', '{"name":"zorg"}']);
    assert.equal(JSON.parse(dup.stdout).errors[0].detail, "Organization 'zorg' already exists.");
    const events = await curl(`/v3/audit_events?types=audit.organization.create&target_guids=${o.guid}`);
    assert.equal(events.resources.length, 1);
  });

  test('cf create-space gives its creator organization_user, space_manager and space_developer; cf space, space-users, org-users', async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.ok(['create-space', 'zspace', '-o', 'zorg']);
    assert.match(r.stdout, /Assigning role SpaceManager to user admin in org zorg \/ space zspace as admin\.\.\.\nOK/);
    assert.match(r.stdout, /Assigning role SpaceDeveloper to user admin in org zorg \/ space zspace as admin\.\.\.\nOK/);
    assert.match(r.stdout, /TIP: Use 'cf target -o "zorg" -s "zspace"' to target new space/);
    const again = await s.ok(['create-space', 'zspace', '-o', 'zorg']);
    assert.match(again.stdout, /Space 'zspace' already exists\.\nOK/);
    const space = await s.ok(['space', 'zspace']);
    assert.match(
      space.stdout,
      /name:\s+zspace\norg:\s+zorg\napps:\s*\nservices:\s*\nisolation segment:\s*\nquota:\s*\nrunning security groups:\s*\nstaging security groups:/,
    );
    const users = await s.ok(['space-users', 'zorg', 'zspace']);
    assert.match(users.stdout, /SPACE MANAGER\n\s+admin \(uaa\)\n\nSPACE DEVELOPER\n\s+admin \(uaa\)\n\nSPACE AUDITOR\n\s+No SPACE AUDITOR found/);
    assert.match((await s.ok(['org-users', '-a', 'zorg'])).stdout, /ORG USERS\n\s+admin \(uaa\)/);
    assert.match((await s.ok(['org-users', 'zorg'])).stdout, /ORG MANAGER\n\s+No ORG MANAGER found/);
    // The roles, and CC's answer to one that is there already (what the cf CLI tolerates).
    const sg = (await guidOf('spaces', 'zspace'))!;
    const roles = await curl(`/v3/roles?include=user&space_guids=${sg}`);
    assert.deepEqual(roles.resources.map((x: { type: string }) => x.type).sort(), ['space_developer', 'space_manager']);
    assert.equal(roles.included.users[0].presentation_name, 'admin');
    const body = JSON.stringify({
      type: 'space_manager',
      relationships: { space: { data: { guid: sg } }, user: { data: { username: 'admin', origin: 'uaa' } } },
    });
    const dup = JSON.parse((await s.run(['curl', '-X', 'POST', '/v3/roles', '-d', body])).stdout);
    assert.equal(dup.errors[0].detail, "User 'admin' already has 'space_manager' role in space 'zspace'.");
    const nobody = JSON.stringify({
      type: 'organization_auditor',
      relationships: { organization: { data: { guid: await guidOf('organizations', 'zorg') } }, user: { data: { username: 'nobody', origin: 'uaa' } } },
    });
    assert.equal(
      JSON.parse((await s.run(['curl', '-X', 'POST', '/v3/roles', '-d', nobody])).stdout).errors[0].detail,
      "No user exists with the username 'nobody' and origin 'uaa'.",
    );
  });

  test('cf rename-org and rename-space; a taken name is refused as CC does', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['create-space', 'other', '-o', 'zorg']);
    await s.ok(['rename-space', 'other', 'renamed']);
    const taken = await s.run(['rename-space', 'renamed', 'zspace']);
    assert.equal(taken.code, 1);
    assert.match(taken.stdout + taken.stderr, /name must be unique per organization/i);
    await s.ok(['rename-org', 'zorg', 'yorg']);
    assert.match((await s.ok(['org', 'yorg'])).stdout, /spaces:\s+renamed, zspace/);
    const orgTaken = await s.run(['rename-org', 'yorg', 'org']);
    assert.equal(orgTaken.code, 1);
    assert.match(orgTaken.stdout + orgTaken.stderr, /Name must be unique/);
    await s.ok(['rename-org', 'yorg', 'zorg']);
  });

  test('cf create-quota, quotas, org-quota, set-org-quota; the route limit holds', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['create-quota', 'tiny', '-m', '512M', '-i', '256M', '-r', '1', '-s', '2', '-a', '3', '--allow-paid-service-plans']);
    const again = await s.ok(['create-quota', 'tiny']);
    assert.match(again.stdout + again.stderr, /Organization Quota 'tiny' already exists\./);
    const quotas = await s.ok(['quotas']);
    assert.match(quotas.stdout, /default\s+100G\s+unlimited\s+1000\s+unlimited\s+allowed\s+unlimited\s+100/);
    assert.match(quotas.stdout, /tiny\s+512M\s+256M\s+1\s+2\s+allowed\s+3\s+0/);
    assert.match((await s.ok(['org-quota', 'tiny'])).stdout, /total memory:\s+512M\ninstance memory:\s+256M\nroutes:\s+1/);
    await s.ok(['set-org-quota', 'zorg', 'tiny']);
    assert.match((await s.ok(['org', 'zorg'])).stdout, /quota:\s+tiny/);
    const missing = await s.run(['set-org-quota', 'zorg', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout + missing.stderr, /Organization quota with name 'nope' not found\./);
    await s.ok(['target', '-o', 'zorg', '-s', 'zspace']);
    await s.ok(['create-route', 'localhost', '--hostname', 'zone']);
    const over = await s.run(['create-route', 'localhost', '--hostname', 'ztwo']);
    assert.equal(over.code, 1);
    assert.match(over.stdout + over.stderr, /Routes quota exceeded for organization 'zorg'\./);
    const inUse = await s.run(['delete-quota', 'tiny', '-f']);
    assert.match(inUse.stdout + inUse.stderr, /This quota is applied to one or more orgs\. Remove this quota from all orgs before deleting\./);
    await s.ok(['set-org-quota', 'zorg', 'default']);
    await s.ok(['delete-quota', 'tiny', '-f']);
    assert.doesNotMatch((await s.ok(['quotas'])).stdout, /tiny/);
  });

  test('space quotas, isolation segments and security groups: none, in CC shapes', async (t) => {
    if (!s) return t.skip(NO_CF);
    assert.match((await s.ok(['space-quotas'])).stdout, /No space quotas found\./);
    assert.match((await s.ok(['isolation-segments'])).stdout, /name\s+orgs/);
    const sg = (await guidOf('spaces', 'zspace'))!;
    const rel = await curl(`/v3/spaces/${sg}/relationships/isolation_segment`);
    assert.equal(rel.data, null);
    assert.match(rel.links.self.href, new RegExp(`/v3/spaces/${sg}/relationships/isolation_segment$`));
    const running = await curl(`/v3/spaces/${sg}/running_security_groups`);
    assert.deepEqual(running.resources, []);
    assert.equal(running.pagination.total_results, 0);
    const og = (await guidOf('organizations', 'zorg'))!;
    assert.equal((await curl(`/v3/organizations/${og}/relationships/default_isolation_segment`)).data, null);
  });

  test('cf delete-space takes its app (instance stopped), route, service instance and roles; twice is a warning', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['target', '-o', 'zorg', '-s', 'renamed']);
    await s.ok(['push', 'doomed', '-m', '64M', '-p', exampleApp('hello-node', 'doomed')]);
    await s.ok(['create-user-provided-service', 'doomed-db', '-p', '{"u":"x"}']);
    await s.ok(['bind-service', 'doomed', 'doomed-db']);
    const port = await instancePort('doomed');
    const router = `http://doomed.localhost:${s.c.routerPort}/`;
    assert.equal(await answers(router), 200);
    assert.equal(await answers(`http://127.0.0.1:${port}/`), 200);
    const sg = (await guidOf('spaces', 'renamed'))!;
    const r = await s.ok(['delete-space', 'renamed', '-o', 'zorg', '-f']);
    assert.match(r.stdout, /Deleting space renamed in org zorg as admin\.\.\.\nOK/);
    assert.equal(await guidOf('spaces', 'renamed'), undefined);
    for (const path of [
      `/v3/apps?space_guids=${sg}`,
      `/v3/routes?space_guids=${sg}`,
      `/v3/service_instances?space_guids=${sg}`,
      `/v3/roles?space_guids=${sg}`,
    ]) {
      assert.equal((await curl(path)).resources.length, 0, path);
    }
    assert.equal(await answers(router), 404);
    assert.equal(await answers(`http://127.0.0.1:${port}/`), 0, "the app's instance was stopped");
    const twice = await s.ok(['delete-space', 'renamed', '-o', 'zorg', '-f']);
    assert.match(twice.stdout + twice.stderr, /Space 'renamed' does not exist\./);
    const events = await curl(`/v3/audit_events?types=audit.space.delete-request,audit.app.delete-request`);
    assert.deepEqual(events.resources.map((e: { target: { name: string } }) => e.target.name).sort(), ['doomed', 'renamed']);
  });

  test('cf delete-org (a job) takes its spaces, apps, routes, services and private domains; twice is a warning', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['create-private-domain', 'zorg', 'zorg.localhost']);
    await s.ok(['target', '-o', 'zorg', '-s', 'zspace']);
    await s.ok(['push', 'gone', '-m', '64M', '-p', exampleApp('hello-node', 'gone'), '--no-route']);
    await s.ok(['map-route', 'gone', 'zorg.localhost', '--hostname', 'gone']);
    await s.ok(['create-user-provided-service', 'gone-db']);
    const port = await instancePort('gone');
    assert.equal(await answers(`http://gone.zorg.localhost:${s.c.routerPort}/`), 200);
    const og = (await guidOf('organizations', 'zorg'))!;
    const r = await s.ok(['delete-org', 'zorg', '-f']);
    assert.match(r.stdout, /Deleting org zorg as admin\.\.\.\nOK/);
    assert.match(r.stdout, /TIP: No org or space targeted, use 'cf target -o ORG -s SPACE' to target an org and space\./);
    assert.equal(await guidOf('organizations', 'zorg'), undefined);
    for (const path of [
      `/v3/spaces?organization_guids=${og}`,
      `/v3/apps?organization_guids=${og}`,
      `/v3/routes?organization_guids=${og}`,
      `/v3/service_instances?organization_guids=${og}`,
      `/v3/roles?organization_guids=${og}`,
      '/v3/domains?names=zorg.localhost',
    ]) {
      assert.equal((await curl(path)).resources.length, 0, path);
    }
    assert.equal(await answers(`http://gone.zorg.localhost:${s.c.routerPort}/`), 404);
    assert.equal(await answers(`http://127.0.0.1:${port}/`), 0, "the app's instance was stopped");
    const twice = await s.ok(['delete-org', 'zorg', '-f']);
    assert.match(twice.stdout + twice.stderr, /Org 'zorg' does not exist\./);
    // cfpush still finds the default org and space.
    await s.ok(['target', '-o', 'org', '-s', 'space']);
    assert.deepEqual(JSON.parse((await s.c.ok(['apps', '--json'])).stdout).apps, []);
  });

  test("bad input gets CC's errors", async (t) => {
    if (!s) return t.skip(NO_CF);
    const post = async (path: string, body: unknown) => JSON.parse((await s!.run(['curl', '-X', 'POST', path, '-d', JSON.stringify(body)])).stdout);
    assert.equal(
      (await post('/v3/spaces', { name: 'x', relationships: { organization: { data: { guid: 'nope' } } } })).errors[0].detail,
      'Invalid organization. Ensure the organization exists and you have access to it.',
    );
    assert.equal((await post('/v3/organizations', { name: '' })).errors[0].detail, "Name can't be blank");
    assert.equal(
      (await post('/v3/organization_quotas', { name: 'q', apps: { total_memory_in_mb: -1 } })).errors[0].detail,
      'Apps Total memory in mb must be greater than or equal to 0',
    );
    // A trailing slash is the same path (older cf CLIs send one on these).
    const og = (await guidOf('organizations', 'org'))!;
    assert.equal((await curl(`/v3/organizations/${og}/`, '-X', 'PATCH', '-d', '{"name":"org"}')).name, 'org');
    const notFound = await s.run(['curl', '-X', 'DELETE', '/v3/organizations/no-such-guid/']);
    assert.deepEqual(JSON.parse(notFound.stdout).errors[0], { code: 10010, title: 'CF-ResourceNotFound', detail: 'Organization not found' });
    const missing = await s.run(['create-space', 'x', '-o', 'no-such-org']);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout + missing.stderr, /Organization 'no-such-org' not found\./);
  });
});

// The real cf CLI manages routes and domains on the local foundation (issue
// 15 item 4): shared and private domains, routes on them (wildcard ones
// too), check-route, delete-route; each command exits 0 with CF's output,
// the API and cfpush see the state, the router serves the app on the new
// domains, and bad input gets CC's errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import { cfSession, exampleApp, NO_CF, requireCf, type CfSession } from './cf';

describe('cf CLI: routes and domains', { timeout: 900_000 }, () => {
  let s: CfSession | undefined;
  const curl = async (path: string) => JSON.parse((await s!.ok(['curl', path])).stdout);
  /** What the router answers for `host` (status and body). */
  const via = async (host: string) => {
    const r = await httpGet(`http://127.0.0.1:${s!.c.routerPort}/`, { headers: { host } });
    return `${r.status} ${r.status === 200 ? r.body : ''}`.trim();
  };
  const fails = async (args: string[], message: RegExp) => {
    const r = await s!.run(args);
    assert.equal(r.code, 1, `cf ${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stdout + r.stderr, message);
  };

  before(async () => {
    const cf = requireCf();
    if (!cf) return;
    s = await cfSession(cf);
    await s.ok(['create-org', 'neighbour']);
  });
  after(async () => s?.cleanup());

  test('cf create-shared-domain and create-private-domain ORG DOMAIN; cf domains', async (t) => {
    if (!s) return t.skip(NO_CF);
    const shared = await s.ok(['create-shared-domain', 'wild.localhost']);
    assert.match(shared.stdout, /Creating shared domain wild\.localhost as admin\.\.\.\nOK/);
    const priv = await s.ok(['create-private-domain', 'org', 'priv.localhost']);
    assert.match(priv.stdout, /Creating private domain priv\.localhost for org org as admin\.\.\.\nOK/);
    await s.ok(['create-private-domain', 'neighbour', 'theirs.localhost']);
    const domains = await s.ok(['domains']);
    assert.match(domains.stdout, /localhost\s+shared\s+http\npriv\.localhost\s+private\s+http\nwild\.localhost\s+shared\s+http/);
    assert.doesNotMatch(domains.stdout, /theirs/, "another org's private domain is not this org's");
    const d = (await curl('/v3/domains?names=priv.localhost')).resources[0];
    const org = (await curl('/v3/organizations?names=org')).resources[0];
    assert.deepEqual(d.relationships, { organization: { data: { guid: org.guid } }, shared_organizations: { data: [] } });
    assert.equal(d.links.organization.href.endsWith(`/v3/organizations/${org.guid}`), true);
    assert.equal((await curl('/v3/domains?names=wild.localhost')).resources[0].relationships.organization.data, null);
    await fails(['create-shared-domain', 'priv.localhost'], /The domain name "priv\.localhost" is already in use/);
    await fails(
      ['create-shared-domain', 'bad_name'],
      /Name does not comply with RFC 1035 standards, Name must contain at least one "\.", Name must consist of alphanumeric characters and hyphens/,
    );
    await fails(['create-private-domain', 'no-such-org', 'x.localhost'], /Organization 'no-such-org' not found\./);
  });

  test('cf create-route (private, wildcard, path), check-route, routes; CC refuses what it refuses', async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.ok(['create-route', 'priv.localhost', '--hostname', 'x']);
    assert.match(r.stdout, /Creating route x\.priv\.localhost for org org \/ space space as admin\.\.\.\nRoute x\.priv\.localhost has been created\.\nOK/);
    assert.match((await s.ok(['create-route', 'wild.localhost', '--hostname', '*'])).stdout, /Route \*\.wild\.localhost has been created\./);
    await s.ok(['create-route', 'priv.localhost', '--hostname', 'x', '--path', 'api']);
    await s.ok(['create-route', 'priv.localhost']);
    const again = await s.ok(['create-route', 'priv.localhost', '--hostname', 'x']);
    assert.match(again.stdout + again.stderr, /Route already exists with host 'x' for domain 'priv\.localhost'\./);
    await fails(['create-route', 'nope.localhost', '--hostname', 'y'], /Domain 'nope\.localhost' not found\./);
    await fails(['create-route', 'localhost'], /Missing host\. Routes in shared domains must have a host defined\./);
    await fails(
      ['create-route', 'theirs.localhost', '--hostname', 'y'],
      /Invalid domain\. Domain 'theirs\.localhost' is not available in organization 'org'\./,
    );
    await fails(['create-route', 'localhost', '--hostname', 'priv'], /Route conflicts with domain 'priv\.localhost'\./);

    const yes = await s.ok(['check-route', 'priv.localhost', '--hostname', 'x', '--path', 'api']);
    assert.match(yes.stdout, /Route 'x\.priv\.localhost\/api' does exist\.\nOK/);
    assert.match(yes.trace, /route_reservations\?host=x&path=%2Fapi/);
    assert.match((await s.ok(['check-route', 'priv.localhost', '--hostname', 'y'])).stdout, /Route 'y\.priv\.localhost' does not exist\./);
    assert.match((await s.ok(['check-route', 'priv.localhost'])).stdout, /Route 'priv\.localhost' does exist\./);
    const routes = await s.ok(['routes']);
    assert.match(routes.stdout, /space\s+host\s+domain\s+port\s+path\s+protocol\s+apps\s+service instance/);
    assert.match(routes.stdout, /space\s+x\s+priv\.localhost\s+http/);
    assert.match(routes.stdout, /space\s+\*\s+wild\.localhost\s+http/);
    assert.match(routes.stdout, /space\s+x\s+priv\.localhost\s+\/api\s+http/);
    const events = await curl('/v3/audit_events?types=audit.route.create');
    assert.equal(events.resources.length, 4);
  });

  test('the router serves an app on a private domain and on a wildcard route; cfpush sees the routes', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['push', 'edge', '-m', '64M', '-p', exampleApp('hello-node', 'edge'), '--no-route']);
    await s.ok(['map-route', 'edge', 'priv.localhost', '--hostname', 'x']);
    await s.ok(['map-route', 'edge', 'wild.localhost', '--hostname', '*']);
    assert.equal(await via('x.priv.localhost'), '200 hello CF summit');
    assert.equal(await via('anything.wild.localhost'), '200 hello CF summit');
    assert.equal(await via('a.b.wild.localhost'), '200 hello CF summit', 'a wildcard covers deeper names too (gorouter)');
    assert.match(await via('wild.localhost'), /^404/, 'the wildcard is not the bare domain');
    assert.match(await via('y.priv.localhost'), /^404/);
    const routes = JSON.parse((await s.c.ok(['routes', '--json'])).stdout).routes as { url?: string; host?: string }[];
    const text = JSON.stringify(routes);
    assert.match(text, /x\.priv\.localhost/);
    assert.match(text, /\*\.wild\.localhost/);
    assert.match((await s.ok(['routes'])).stdout, /space\s+x\s+priv\.localhost\s+http\s+edge/);
  });

  test('cf delete-route: the route goes (and with it the traffic); a missing one is a warning', async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.ok(['delete-route', 'priv.localhost', '--hostname', 'x', '-f']);
    assert.match(r.stdout, /Deleting route x\.priv\.localhost\.\.\.\nOK/);
    assert.match(await via('x.priv.localhost'), /^404/);
    assert.equal((await curl('/v3/routes?hosts=x&paths=')).resources.length, 0);
    assert.equal((await curl('/v3/routes?hosts=x&paths=/api')).resources.length, 1, 'the route with a path is another route');
    const missing = await s.ok(['delete-route', 'priv.localhost', '--hostname', 'x', '-f']);
    assert.match(missing.stdout + missing.stderr, /Unable to delete\. Route with host 'x', domain 'priv\.localhost'.* not found\./);
    const noDomain = await s.ok(['delete-route', 'nope.localhost', '--hostname', 'x', '-f']);
    assert.match(noDomain.stdout + noDomain.stderr, /Domain 'nope\.localhost' not found\./);
    assert.equal((await curl('/v3/audit_events?types=audit.route.delete-request')).resources.length, 1);
  });

  test("bad input through the API gets CC's errors", async (t) => {
    if (!s) return t.skip(NO_CF);
    const call = async (method: string, path: string, body?: unknown) =>
      JSON.parse((await s!.run(['curl', '-X', method, path, ...(body ? ['-d', JSON.stringify(body)] : [])])).stdout).errors[0];
    const space = (await curl('/v3/spaces?names=space')).resources[0].guid;
    const route = (domain: string) => ({ host: 'h', relationships: { domain: { data: { guid: domain } }, space: { data: { guid: space } } } });
    assert.equal(
      (await call('POST', '/v3/routes', route('no-such-domain'))).detail,
      'Invalid domain. Ensure that the domain exists and you have access to it.',
    );
    assert.deepEqual(await call('DELETE', '/v3/domains/no-such-domain'), { code: 10010, title: 'CF-ResourceNotFound', detail: 'Domain not found' });
    assert.equal((await call('GET', '/v3/domains/no-such-domain/route_reservations?host=h')).detail, 'Domain not found');
    assert.equal((await call('POST', '/v3/domains', { name: 'localhost.' })).detail, 'Name does not comply with RFC 1035 standards');
    const org = (await curl('/v3/organizations?names=org')).resources[0].guid;
    assert.equal(
      (await call('POST', '/v3/domains', { name: 'p2.localhost', relationships: { organization: { data: { guid: 'nope' } } } })).detail,
      "Organization with guid 'nope' does not exist or you do not have access to it.",
    );
    assert.equal(
      (await call('POST', '/v3/domains', { name: 'p2.localhost', internal: true, relationships: { organization: { data: { guid: org } } } })).detail,
      'Cannot associate an internal domain with an organization',
    );
  });

  test('cf delete-private-domain and delete-shared-domain take their routes; the wrong kind or a missing one is said', async (t) => {
    if (!s) return t.skip(NO_CF);
    await fails(['delete-shared-domain', 'priv.localhost', '-f'], /Domain 'priv\.localhost' is a private domain, not a shared domain\./);
    await fails(['delete-private-domain', 'wild.localhost', '-f'], /Domain 'wild\.localhost' is a shared domain, not a private domain\./);
    await s.ok(['delete-private-domain', 'priv.localhost', '-f']);
    await s.ok(['delete-shared-domain', 'wild.localhost', '-f']);
    assert.equal((await curl('/v3/domains?names=priv.localhost,wild.localhost')).resources.length, 0);
    assert.deepEqual((await curl('/v3/routes')).resources, [], 'every route was on one of them');
    assert.match(await via('anything.wild.localhost'), /^404/);
    const gone = await s.ok(['delete-shared-domain', 'wild.localhost', '-f']);
    assert.match(gone.stdout + gone.stderr, /Domain 'wild\.localhost' does not exist\./);
    // A domain shared with another org cannot go until it is unshared (CC's words).
    await s.ok(['share-private-domain', 'org', 'theirs.localhost']);
    assert.match((await s.ok(['domains'])).stdout, /theirs\.localhost\s+private/);
    await fails(['delete-private-domain', 'theirs.localhost', '-f'], /This domain is shared with other organizations\. Unshare before deleting\./);
  });
});

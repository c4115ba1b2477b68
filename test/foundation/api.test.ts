// CC v3 shapes and errors of the local foundation, over real HTTP.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningFoundation } from '../../src/foundation/server';
import * as shared from './conformance/util';
import { Api, cleanup, http, login, multipart, startTestFoundation, tempDir, zipEntries } from './helpers';

let f: RunningFoundation;
let api: Api;
let dataDir: string;

before(async () => {
  dataDir = tempDir();
  f = await startTestFoundation(dataDir);
  api = await Api.connect(f);
});
after(async () => {
  await f.close();
  cleanup(dataDir);
});

const assertResource = (r: any, selfPath: string) => shared.assertResource(f, r, selfPath);
const createApp = (name: string): Promise<any> => shared.createApp(api, name);

describe('discovery and auth', () => {
  test('GET / links every service to this server, v3 version 3.180.0', async () => {
    const res = await http(`${f.apiUrl}/`);
    assert.equal(res.status, 200);
    const l = res.json.links;
    assert.equal(l.self.href, f.apiUrl);
    assert.equal(l.cloud_controller_v3.href, `${f.apiUrl}/v3`);
    assert.equal(l.cloud_controller_v3.meta.version, '3.180.0');
    assert.equal(l.login.href, f.apiUrl);
    assert.equal(l.uaa.href, f.apiUrl);
    assert.equal(l.log_cache.href, f.apiUrl);
    assert.ok(l.routing.href.startsWith(f.apiUrl));
  });

  test('GET /v3/info and GET /login prompts', async () => {
    const info = await http(`${f.apiUrl}/v3/info`);
    assert.equal(info.status, 200);
    assert.equal(typeof info.json.cli_version.minimum, 'string');
    assert.equal(info.json.links.self.href, `${f.apiUrl}/v3/info`);
    const lg = await http(`${f.apiUrl}/login`);
    assert.deepEqual(lg.json.prompts, { username: ['text', 'Email'], password: ['password', 'Password'] });
  });

  test('credentials.json is 0600 and holds username/password', () => {
    const st = statSync(join(dataDir, 'credentials.json'));
    assert.equal(st.mode & 0o777, 0o600);
  });

  test('password grant issues a decodable JWT; refresh_token grant works; bad password is 401', async () => {
    const tok = await login(f);
    const claims = JSON.parse(Buffer.from(tok.access_token.split('.')[1]!, 'base64url').toString());
    assert.equal(claims.user_name, 'admin');
    assert.equal(typeof claims.user_id, 'string');
    assert.ok(claims.exp > Date.now() / 1000 + 600);
    assert.ok(claims.scope.includes('cloud_controller.read'));
    const header = JSON.parse(Buffer.from(tok.access_token.split('.')[0]!, 'base64url').toString());
    assert.equal(header.alg, 'HS256');

    const refreshed = await http(`${f.apiUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: 'Basic Y2Y6', 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(tok.refresh_token)}`,
    });
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.json.token_type, 'bearer');
    assert.equal((await new Api(f, refreshed.json.access_token).get('/v3/apps')).status, 200);

    const bad = await http(`${f.apiUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: 'Basic Y2Y6', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=admin&password=wrong',
    });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error, 'unauthorized');
    // A refresh token is not an access token.
    assert.equal((await new Api(f, tok.refresh_token).get('/v3/apps')).status, 401);
  });

  test('no token → 401 CF-NotAuthenticated 10002; bad token → 401 CF-InvalidAuthToken 1000', async () => {
    const none = await http(`${f.apiUrl}/v3/apps`);
    assert.equal(none.status, 401);
    assert.deepEqual(none.json.errors[0].code, 10002);
    assert.equal(none.json.errors[0].title, 'CF-NotAuthenticated');
    const bad = await http(`${f.apiUrl}/v3/apps`, { headers: { authorization: 'bearer not.a.jwt' } });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.errors[0].code, 1000);
    assert.equal(bad.json.errors[0].title, 'CF-InvalidAuthToken');
    const logs = await http(`${f.apiUrl}/api/v1/read/x`);
    assert.equal(logs.status, 401);
  });
});

describe('orgs, spaces, domains', () => {
  test('default org, space and shared domain localhost', async () => {
    const orgs = (await api.get('/v3/organizations?order_by=name')).json;
    assert.equal(orgs.pagination.total_results, 1);
    const org = orgs.resources[0];
    assert.equal(org.name, 'org');
    assertResource(org, `/v3/organizations/${org.guid}`);
    const spaces = (await api.get(`/v3/spaces?organization_guids=${org.guid}&order_by=name`)).json;
    assert.equal(spaces.resources[0].name, 'space');
    assert.equal(spaces.resources[0].relationships.organization.data.guid, org.guid);
    const dom = (await api.get(`/v3/organizations/${org.guid}/domains/default`)).json;
    assert.equal(dom.name, 'localhost');
    assert.equal(dom.relationships.organization.data, null);
    assertResource(dom, `/v3/domains/${dom.guid}`);
    assert.equal((await api.get('/v3/spaces?names=nope')).json.resources.length, 0);
  });
});

describe('apps', () => {
  test('POST creates a STOPPED app with a web process; GET, 404, uniqueness, bad JSON', async () => {
    const app = await createApp('alpha');
    assert.equal(app.state, 'STOPPED');
    assert.equal(app.lifecycle.type, 'buildpack');
    assertResource(app, `/v3/apps/${app.guid}`);
    assert.equal(app.links.start.method, 'POST');
    const procs = (await api.get(`/v3/apps/${app.guid}/processes`)).json;
    assert.equal(procs.resources.length, 1);
    const web = procs.resources[0];
    assert.equal(web.type, 'web');
    assert.equal(web.instances, 1);
    assert.equal(web.health_check.type, 'port');
    assert.equal(web.memory_in_mb, 1024);
    assertResource(web, `/v3/processes/${web.guid}`);

    assert.equal((await api.get(`/v3/apps/${app.guid}`)).json.name, 'alpha');
    const missing = await api.get('/v3/apps/00000000-0000-0000-0000-000000000000');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json.errors[0], { code: 10010, title: 'CF-ResourceNotFound', detail: 'App not found' });

    const space = await api.space();
    const dup = await api.post('/v3/apps', { name: 'alpha', relationships: { space: { data: { guid: space.guid } } } });
    assert.equal(dup.status, 422);
    assert.equal(dup.json.errors[0].title, 'CF-UniquenessError');
    assert.equal(dup.json.errors[0].code, 10016);

    const junk = await api.call('POST', '/v3/apps', '{"name":', { 'content-type': 'application/json' });
    assert.equal(junk.status, 400);
    assert.equal(junk.json.errors[0].code, 1001);
    assert.equal(junk.json.errors[0].title, 'CF-MessageParseError');

    const start = await api.post(`/v3/apps/${app.guid}/actions/start`);
    assert.equal(start.status, 422);
    assert.equal(start.json.errors[0].detail, 'Assign a droplet before starting this app.');
    assert.equal(start.json.errors[0].code, 10008);
  });

  test('pagination, order_by and filters', async () => {
    for (const n of ['p-c', 'p-a', 'p-b']) await createApp(n);
    const page1 = (await api.get('/v3/apps?names=p-a,p-b,p-c&order_by=name&per_page=2')).json;
    assert.equal(page1.pagination.total_results, 3);
    assert.equal(page1.pagination.total_pages, 2);
    assert.deepEqual(
      page1.resources.map((a: any) => a.name),
      ['p-a', 'p-b'],
    );
    assert.equal(page1.pagination.previous, null);
    assert.ok(page1.pagination.first.href.includes('page=1'));
    assert.ok(page1.pagination.last.href.includes('page=2'));
    const page2 = (await api.get(page1.pagination.next.href)).json;
    assert.deepEqual(
      page2.resources.map((a: any) => a.name),
      ['p-c'],
    );
    assert.equal(page2.pagination.next, null);
    assert.ok(page2.pagination.previous.href.includes('page=1'));
    const desc = (await api.get('/v3/apps?names=p-a,p-b,p-c&order_by=-name')).json;
    assert.deepEqual(
      desc.resources.map((a: any) => a.name),
      ['p-c', 'p-b', 'p-a'],
    );
    const space = await api.space();
    const bySpace = (await api.get(`/v3/apps?space_guids=${space.guid}&names=p-b`)).json;
    assert.equal(bySpace.resources.length, 1);
    assert.equal((await api.get('/v3/apps?space_guids=nope')).json.resources.length, 0);
    assert.equal((await api.get('/v3/apps?states=STARTED&names=p-a')).json.resources.length, 0);
    const big = await api.get('/v3/apps?per_page=5001');
    assert.equal(big.status, 400);
    assert.equal(big.json.errors[0].code, 10005);
    assert.equal(big.json.errors[0].title, 'CF-BadQueryParameter');
  });

  test('env, environment_variables, delete job then 404', async () => {
    const app = await createApp('env-app');
    const patched = await api.patch(`/v3/apps/${app.guid}/environment_variables`, { var: { A: '1', B: 'two' } });
    assert.deepEqual(patched.json.var, { A: '1', B: 'two' });
    await api.patch(`/v3/apps/${app.guid}/environment_variables`, { var: { B: null } });
    const env = (await api.get(`/v3/apps/${app.guid}/env`)).json;
    assert.deepEqual(env.environment_variables, { A: '1' });
    assert.equal(env.application_env_json.VCAP_APPLICATION.application_name, 'env-app');
    const del = await api.del(`/v3/apps/${app.guid}`);
    assert.equal(del.status, 202);
    assert.match(del.headers.location as string, new RegExp(`^${f.apiUrl}/v3/jobs/`));
    const job = await api.job(del.headers.location as string);
    assert.equal(job.state, 'COMPLETE');
    assert.equal((await api.get(`/v3/apps/${app.guid}`)).status, 404);
  });

  test('processes scale, stats of a stopped app are DOWN', async () => {
    const app = await createApp('scale-app');
    const web = (await api.get(`/v3/apps/${app.guid}/processes`)).json.resources[0];
    const scaled = await api.post(`/v3/processes/${web.guid}/actions/scale`, { instances: 2, memory_in_mb: 128 });
    assert.equal(scaled.status, 202);
    assert.equal(scaled.json.instances, 2);
    assert.equal(scaled.json.memory_in_mb, 128);
    const stats = (await api.get(`/v3/processes/${web.guid}/stats`)).json.resources;
    assert.deepEqual(
      stats.map((s: any) => [s.index, s.state]),
      [
        [0, 'DOWN'],
        [1, 'DOWN'],
      ],
    );
    const bad = await api.post(`/v3/processes/${web.guid}/actions/scale`, { instances: -1 });
    assert.equal(bad.status, 422);
  });
});

describe('routes', () => {
  test('create, duplicate 422, filters, destinations add/list/replace/delete', async () => {
    const app = await createApp('route-app');
    const other = await createApp('route-app-2');
    const space = await api.space();
    const domain = (await api.get('/v3/domains?names=localhost')).json.resources[0];
    const body = { host: 'myhost', relationships: { domain: { data: { guid: domain.guid } }, space: { data: { guid: space.guid } } } };
    const created = await api.post('/v3/routes', body);
    assert.equal(created.status, 201, created.text);
    const route = created.json;
    assert.equal(route.url, 'myhost.localhost');
    assert.equal(route.protocol, 'http');
    assert.deepEqual(route.destinations, []);
    assertResource(route, `/v3/routes/${route.guid}`);

    const dup = await api.post('/v3/routes', body);
    assert.equal(dup.status, 422);
    assert.equal(dup.json.errors[0].detail, "Route already exists with host 'myhost' for domain 'localhost'.");
    assert.equal(dup.json.errors[0].code, 10008);

    const found = (await api.get(`/v3/routes?hosts=myhost&domain_guids=${domain.guid}`)).json;
    assert.equal(found.resources.length, 1);
    assert.equal((await api.get('/v3/routes?hosts=nothere')).json.resources.length, 0);

    const added = await api.post(`/v3/routes/${route.guid}/destinations`, { destinations: [{ app: { guid: app.guid } }] });
    assert.equal(added.status, 200);
    assert.equal(added.json.destinations.length, 1);
    assert.equal(added.json.destinations[0].app.process.type, 'web');
    assert.equal((await api.get(`/v3/routes?app_guids=${app.guid}`)).json.resources.length, 1);
    assert.equal((await api.get(`/v3/apps/${app.guid}/routes`)).json.resources[0].guid, route.guid);

    const replaced = await api.patch(`/v3/routes/${route.guid}/destinations`, { destinations: [{ app: { guid: other.guid } }] });
    assert.deepEqual(
      replaced.json.destinations.map((d: any) => d.app.guid),
      [other.guid],
    );
    const dest = replaced.json.destinations[0];
    assert.equal((await api.del(`/v3/routes/${route.guid}/destinations/${dest.guid}`)).status, 204);
    assert.deepEqual((await api.get(`/v3/routes/${route.guid}/destinations`)).json.destinations, []);
    assert.equal((await api.get('/v3/routes/nope')).status, 404);
  });
});

describe('apply_manifest', () => {
  test('creates the app, applies settings and a default route; job COMPLETE', async () => {
    const res = await api.applyManifest(`---
applications:
- name: man-app
  instances: 2
  memory: 256M
  disk_quota: 512M
  command: node server.js
  health-check-type: http
  health-check-http-endpoint: /health
  env:
    FOO: bar
  default-route: true
`);
    assert.equal(res.status, 202, res.text);
    const job = await api.job(res.headers.location as string);
    assert.equal(job.state, 'COMPLETE', JSON.stringify(job.errors));
    const app = (await api.get('/v3/apps?names=man-app')).json.resources[0];
    assert.equal(app.state, 'STOPPED');
    const web = (await api.get(`/v3/apps/${app.guid}/processes/web`)).json;
    assert.equal(web.instances, 2);
    assert.equal(web.memory_in_mb, 256);
    assert.equal(web.disk_in_mb, 512);
    assert.equal(web.command, 'node server.js');
    assert.equal(web.health_check.type, 'http');
    assert.equal(web.health_check.data.endpoint, '/health');
    assert.deepEqual((await api.get(`/v3/apps/${app.guid}/env`)).json.environment_variables, { FOO: 'bar' });
    const routes = (await api.get(`/v3/apps/${app.guid}/routes`)).json.resources;
    assert.deepEqual(
      routes.map((r: any) => r.url),
      ['man-app.localhost'],
    );

    // Applying again is additive and idempotent for routes.
    await api.job((await api.applyManifest('applications:\n- name: man-app\n  default-route: true\n')).headers.location as string);
    assert.equal((await api.get(`/v3/apps/${app.guid}/routes`)).json.resources.length, 1);
  });

  test('random-route, explicit routes and no-route', async () => {
    await api.job((await api.applyManifest('applications:\n- name: rnd-app\n  random-route: true\n')).headers.location as string);
    const rnd = (await api.get('/v3/apps?names=rnd-app')).json.resources[0];
    const url = (await api.get(`/v3/apps/${rnd.guid}/routes`)).json.resources[0].url as string;
    assert.match(url, /^rnd-app-[a-z]+-[a-z]+-\d+\.localhost$/);

    await api.job(
      (await api.applyManifest('applications:\n- name: rt-app\n  routes:\n  - route: one.localhost\n  - route: two.localhost/api\n')).headers
        .location as string,
    );
    const rt = (await api.get('/v3/apps?names=rt-app')).json.resources[0];
    const urls = (await api.get(`/v3/apps/${rt.guid}/routes`)).json.resources.map((r: any) => r.url).sort();
    assert.deepEqual(urls, ['one.localhost', 'two.localhost/api']);

    await api.job((await api.applyManifest('applications:\n- name: rt-app\n  no-route: true\n')).headers.location as string);
    assert.equal((await api.get(`/v3/apps/${rt.guid}/routes`)).json.resources.length, 0);

    const bad = await api.applyManifest('applications:\n- name: bad-domain\n  routes:\n  - route: x.example.com\n');
    const job = await api.job(bad.headers.location as string);
    assert.equal(job.state, 'FAILED');
    assert.match(job.errors[0].detail, /^For application 'bad-domain': No domains exist for route x\.example\.com/);
  });

  test('validation errors: 422 with one prefixed error per problem', async () => {
    const res = await api.applyManifest(`applications:
- name: v1
  instances: -2
  memory: 12Q
- name: v2
  health-check-type: bogus
- memory: 1G
`);
    assert.equal(res.status, 422);
    const details = res.json.errors.map((e: any) => e.detail);
    assert.ok(details.length >= 4, details.join('\n'));
    // The core validator's messages, with CC's `Process "web": ` prefix for process fields.
    assert.ok(
      details.some((d: string) => d.startsWith(`For application 'v1': Process "web": Instances must be greater than or equal to 0`)),
      details.join('\n'),
    );
    assert.ok(
      details.some((d: string) => d.startsWith(`For application 'v1': Process "web": Memory`)),
      details.join('\n'),
    );
    assert.ok(
      details.some((d: string) => d.startsWith(`For application 'v2': Process "web": Health check type`)),
      details.join('\n'),
    );
    assert.ok(
      details.some((d: string) => d.startsWith('For application at index 2: ')),
      details.join('\n'),
    );
    for (const e of res.json.errors) assert.equal(e.title, 'CF-UnprocessableEntity');
    assert.equal((await api.get('/v3/apps?names=v1')).json.resources.length, 0);

    const noApps = await api.applyManifest('version: 1\n');
    assert.equal(noApps.status, 422);
    assert.equal(noApps.json.errors[0].detail, "Cannot parse manifest with no 'applications' field.");
    const v2 = await api.applyManifest('version: 2\napplications:\n- name: x\n');
    assert.equal(v2.json.errors[0].detail, 'Unsupported manifest schema version. Currently supported versions: [1].');
    const space = await api.space();
    const json = await api.call('POST', `/v3/spaces/${space.guid}/actions/apply_manifest`, '{}', { 'content-type': 'application/json' });
    assert.equal(json.status, 400);
    assert.equal(json.json.errors[0].detail, 'Bad request: Content-Type must be yaml');
  });
});

describe('packages and resource matching', () => {
  test('bits package: AWAITING_UPLOAD → upload zip + matched resources → READY; resource_matches; zip escape refused', async () => {
    const app = await createApp('pkg-app');
    const created = await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } });
    assert.equal(created.status, 201);
    const pkg = created.json;
    assert.equal(pkg.state, 'AWAITING_UPLOAD');
    assert.equal(pkg.links.upload.href, `${f.apiUrl}/v3/packages/${pkg.guid}/upload`);
    assert.equal(pkg.links.upload.method, 'POST');

    const content = 'console.log("hi")\n';
    const sha1 = createHash('sha1').update(content).digest('hex');
    const before = await api.post('/v3/resource_matches', {
      resources: [{ path: 'a.js', mode: '644', checksum: { value: sha1 }, size_in_bytes: content.length }],
    });
    assert.equal(before.status, 201);
    assert.deepEqual(before.json.resources, []);

    const mp = multipart([], await zipEntries({ 'a.js': content, 'lib/b.js': 'b' }));
    const up = await api.call('POST', `/v3/packages/${pkg.guid}/upload`, mp.body, { 'content-type': mp.contentType });
    assert.equal(up.status, 200, up.text);
    assert.equal(up.json.state, 'READY');
    assert.equal(up.json.data.checksum.type, 'sha256');

    const now = await api.post('/v3/resource_matches', {
      resources: [{ path: 'a.js', mode: '644', checksum: { value: sha1 }, size_in_bytes: content.length }],
    });
    assert.equal(now.json.resources.length, 1);
    assert.equal(now.json.resources[0].checksum.value, sha1);

    // Second package built only from matched resources (no zip).
    const pkg2 = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } })).json;
    const mp2 = multipart([{ path: 'copy.js', mode: '644', checksum: { value: sha1 }, size_in_bytes: content.length }]);
    const up2 = await api.call('POST', `/v3/packages/${pkg2.guid}/upload`, mp2.body, { 'content-type': mp2.contentType });
    assert.equal(up2.json.state, 'READY');

    const ready = (await api.get(`/v3/packages?app_guids=${app.guid}&states=READY&order_by=-created_at`)).json;
    assert.deepEqual(
      ready.resources.map((p: any) => p.guid),
      [pkg2.guid, pkg.guid],
    );

    const pkg3 = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } })).json;
    // yazl refuses '../' names, so patch a same-length name in the finished archive.
    const raw = await zipEntries({ 'xx/xx/evil.js': 'x' });
    const evilZip = Buffer.from(raw.toString('latin1').split('xx/xx/evil.js').join('../../evil.js'), 'latin1');
    const evil = multipart([], evilZip);
    const up3 = await api.call('POST', `/v3/packages/${pkg3.guid}/upload`, evil.body, { 'content-type': evil.contentType });
    assert.equal(up3.status, 422);
    assert.equal((await api.get(`/v3/packages/${pkg3.guid}`)).json.state, 'FAILED');

    const unknown = multipart([{ path: 'x.js', mode: '644', checksum: { value: 'f'.repeat(40) }, size_in_bytes: 1 }]);
    const pkg4 = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } })).json;
    assert.equal((await api.call('POST', `/v3/packages/${pkg4.guid}/upload`, unknown.body, { 'content-type': unknown.contentType })).status, 422);
  });

  test('a build of a package that is not READY is refused; logs read endpoint shape', async () => {
    const app = await createApp('nobuild-app');
    const pkg = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } })).json;
    const res = await api.post('/v3/builds', { package: { guid: pkg.guid } });
    assert.equal(res.status, 422);
    const logs = await api.get(`/api/v1/read/${app.guid}?start_time=0&envelope_types=LOG`);
    assert.equal(logs.status, 200);
    assert.deepEqual(logs.json, { envelopes: { batch: [] } });
  });
});

describe('state and locking', () => {
  test('a second foundation on the same data dir is refused', async () => {
    await assert.rejects(startTestFoundation(dataDir), /already using/);
  });

  test('state survives a restart', async () => {
    const dir = tempDir();
    const f1 = await startTestFoundation(dir);
    const a1 = await Api.connect(f1);
    const space = (await a1.get('/v3/spaces')).json.resources[0];
    await a1.post('/v3/apps', { name: 'persisted', relationships: { space: { data: { guid: space.guid } } } });
    await f1.close();
    const f2 = await startTestFoundation(dir);
    try {
      const a2 = await Api.connect(f2);
      assert.equal((await a2.get('/v3/apps?names=persisted')).json.resources.length, 1);
      // Tokens are signed with the persisted secret: the old token still works.
      assert.equal((await new Api(f2, a1.token).get('/v3/apps')).status, 200);
    } finally {
      await f2.close();
      cleanup(dir);
    }
  });
});

// CC v3 conformance over HTTP without running apps: shapes, pagination,
// filters, errors, 401s, orgs/spaces, routes across spaces, processes,
// env vars, packages (bits/docker), service instances and bindings.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningFoundation } from '../../../src/foundation/server';
import { Api, cleanup, http, multipart, startTestFoundation, tempDir, zipEntries } from '../helpers';
import { assertError, assertResource, createApp, createSpace } from './util';

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

describe('auth on every /v3 endpoint', () => {
  const endpoints: [string, string][] = [
    ['GET', '/v3/apps'],
    ['POST', '/v3/apps'],
    ['GET', '/v3/service_instances'],
    ['POST', '/v3/service_credential_bindings'],
    ['GET', '/v3/deployments'],
    ['POST', '/v3/droplets'],
    ['GET', '/v3/routes'],
    ['POST', '/v3/spaces'],
    ['POST', '/v3/resource_matches'],
  ];
  test('no token → 401 CF-NotAuthenticated 10002; bad token → 401 CF-InvalidAuthToken 1000', async () => {
    for (const [method, path] of endpoints) {
      assertError(await http(`${f.apiUrl}${path}`, { method }), 401, 10002, 'CF-NotAuthenticated');
      assertError(await http(`${f.apiUrl}${path}`, { method, headers: { authorization: 'bearer not.a.jwt' } }), 401, 1000, 'CF-InvalidAuthToken');
    }
  });
});

describe('bad input', () => {
  test('malformed JSON → 400 CF-MessageParseError 1001 on every JSON endpoint', async () => {
    for (const path of [
      '/v3/apps',
      '/v3/routes',
      '/v3/packages',
      '/v3/builds',
      '/v3/droplets',
      '/v3/deployments',
      '/v3/service_instances',
      '/v3/service_credential_bindings',
      '/v3/spaces',
    ]) {
      const res = await api.call('POST', path, '{"name": ', { 'content-type': 'application/json' });
      assertError(res, 400, 1001, 'CF-MessageParseError', /^Request invalid due to parse error/);
    }
  });

  test('unknown fields → 422 CF-UnprocessableEntity "Unknown field(s): ..."', async () => {
    const space = await api.space();
    let res = await api.post('/v3/apps', { name: 'unk', x: 1, relationships: { space: { data: { guid: space.guid } } } });
    assertError(res, 422, 10008, 'CF-UnprocessableEntity', "Unknown field(s): 'x'");
    res = await api.post('/v3/service_instances', {
      type: 'user-provided',
      name: 'u',
      colour: 'red',
      zone: 1,
      relationships: { space: { data: { guid: space.guid } } },
    });
    assertError(res, 422, 10008, 'CF-UnprocessableEntity', "Unknown field(s): 'colour', 'zone'");
    res = await api.post('/v3/routes', { host: 'h', bogus: true });
    assertError(res, 422, 10008, 'CF-UnprocessableEntity', "Unknown field(s): 'bogus'");
    const app = await createApp(api, 'unknown-fields');
    const web = (await api.get(`/v3/apps/${app.guid}/processes/web`)).json;
    assertError(
      await api.post(`/v3/processes/${web.guid}/actions/scale`, { instances: 1, cpu: 2 }),
      422,
      10008,
      'CF-UnprocessableEntity',
      "Unknown field(s): 'cpu'",
    );
    assertError(
      await api.post('/v3/deployments', { relationships: { app: { data: { guid: app.guid } } }, speed: 'fast' }),
      422,
      10008,
      'CF-UnprocessableEntity',
      "Unknown field(s): 'speed'",
    );
  });

  test('unknown paths are 404 CF-NotFound; unknown guids 404 CF-ResourceNotFound', async () => {
    assertError(await api.get('/v3/nonsense'), 404, 10000, 'CF-NotFound');
    for (const [path, what] of [
      ['/v3/apps/nope', 'App'],
      ['/v3/droplets/nope', 'Droplet'],
      ['/v3/deployments/nope', 'Deployment'],
      ['/v3/service_instances/nope', 'Service instance'],
      ['/v3/jobs/nope', 'Job'],
    ]) {
      assertError(await api.get(path!), 404, 10010, 'CF-ResourceNotFound', `${what} not found`);
    }
  });

  test('oversized package upload → 422 CF-AppPackageInvalid; traversal zip → 422 naming the entry', async () => {
    const app = await createApp(api, 'big-upload');
    const pkg = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } })).json;
    process.env.CFPUSH_MAX_UPLOAD_BYTES = '1000';
    try {
      const mp = multipart([], Buffer.alloc(64 * 1024, 7));
      const res = await api.call('POST', `/v3/packages/${pkg.guid}/upload`, mp.body, { 'content-type': mp.contentType });
      assertError(res, 422, 150001, 'CF-AppPackageInvalid', 'The app package is invalid: Package may not be larger than 1000 bytes');
    } finally {
      delete process.env.CFPUSH_MAX_UPLOAD_BYTES;
    }
    const raw = await zipEntries({ 'ok.txt': 'fine', 'xx/xx/evil.js': 'x' });
    const evil = Buffer.from(raw.toString('latin1').split('xx/xx/evil.js').join('../../evil.js'), 'latin1');
    const mp = multipart([], evil);
    const res = await api.call('POST', `/v3/packages/${pkg.guid}/upload`, mp.body, { 'content-type': mp.contentType });
    assertError(res, 422, 10008, 'CF-UnprocessableEntity', /'\.\.\/\.\.\/evil\.js' would be extracted outside the package/);
    const after = (await api.get(`/v3/packages/${pkg.guid}`)).json;
    assert.equal(after.state, 'FAILED');
  });
});

describe('pagination, order_by, filters', () => {
  test('next.href walks every page; first/last/previous; per_page and order_by errors', async () => {
    const space = await createSpace(api, 'paging');
    const names = ['pg-c', 'pg-a', 'pg-e', 'pg-b', 'pg-d'];
    for (const n of names) await createApp(api, n, space.guid);
    let url: string | null = `/v3/apps?space_guids=${space.guid}&per_page=2&order_by=name`;
    const seen: string[] = [];
    let pages = 0;
    while (url) {
      const res = await api.get(url);
      assert.equal(res.status, 200);
      const p = res.json.pagination;
      assert.equal(p.total_results, 5);
      assert.equal(p.total_pages, 3);
      assert.match(p.first.href, /page=1&per_page=2$/);
      assert.match(p.last.href, /page=3&per_page=2$/);
      assert.ok(p.first.href.includes(`space_guids=${space.guid}`));
      if (pages === 0) assert.equal(p.previous, null);
      else assert.match(p.previous.href, new RegExp(`page=${pages}&`));
      seen.push(...res.json.resources.map((a: any) => a.name));
      url = p.next?.href ?? null;
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...names].sort());
    const desc = await api.get(`/v3/apps?space_guids=${space.guid}&order_by=-name&per_page=1`);
    assert.equal(desc.json.resources[0].name, 'pg-e');
    assertError(await api.get('/v3/apps?per_page=0'), 400, 10005, 'CF-BadQueryParameter', /Per page must be between 1 and 5000/);
    assertError(await api.get('/v3/apps?per_page=5001'), 400, 10005, 'CF-BadQueryParameter');
    assertError(await api.get('/v3/apps?page=0'), 400, 10005, 'CF-BadQueryParameter');
    assertError(await api.get('/v3/apps?order_by=colour'), 400, 10005, 'CF-BadQueryParameter', /Order by can only be/);
    assertError(await api.get('/v3/routes?per_page=abc'), 400, 10005, 'CF-BadQueryParameter');
    const multi = await api.get(`/v3/apps?names=pg-a,pg-d&space_guids=${space.guid}`);
    assert.deepEqual(multi.json.resources.map((a: any) => a.name).sort(), ['pg-a', 'pg-d']);
    const empty = await api.get('/v3/apps?names=none-such');
    assert.deepEqual(empty.json.resources, []);
    assert.equal(empty.json.pagination.total_results, 0);
  });
});

describe('orgs and spaces', () => {
  test('POST /v3/organizations and /v3/spaces: 201 shapes, uniqueness 422 10016, bad org 422', async () => {
    const org = await api.post('/v3/organizations', { name: 'second-org' });
    assert.equal(org.status, 201, org.text);
    assertResource(f, org.json, `/v3/organizations/${org.json.guid}`);
    assertError(await api.post('/v3/organizations', { name: 'second-org' }), 422, 10016, 'CF-UniquenessError', "Organization 'second-org' already exists.");
    const sp = await api.post('/v3/spaces', { name: 'dev', relationships: { organization: { data: { guid: org.json.guid } } } });
    assert.equal(sp.status, 201, sp.text);
    assertResource(f, sp.json, `/v3/spaces/${sp.json.guid}`);
    assert.equal(sp.json.relationships.organization.data.guid, org.json.guid);
    assertError(
      await api.post('/v3/spaces', { name: 'dev', relationships: { organization: { data: { guid: org.json.guid } } } }),
      422,
      10016,
      'CF-UniquenessError',
    );
    assertError(await api.post('/v3/spaces', { name: 'x', relationships: { organization: { data: { guid: 'nope' } } } }), 422, 10008, 'CF-UnprocessableEntity');
    const list = await api.get(`/v3/spaces?organization_guids=${org.json.guid}`);
    assert.deepEqual(
      list.json.resources.map((s: any) => s.name),
      ['dev'],
    );
  });
});

describe('routes and destinations', () => {
  test('create, filters (hosts, paths, domain_guids, space_guids, app_guids), POST/PATCH/DELETE destinations, other space 422', async () => {
    const space = await api.space();
    const other = await createSpace(api, 'other-space');
    const domain = (await api.get('/v3/domains?names=localhost')).json.resources[0];
    const a = await createApp(api, 'route-a');
    const b = await createApp(api, 'route-b');
    const stranger = await createApp(api, 'route-stranger', other.guid);
    const mk = (host: string, path = '', sg = space.guid) =>
      api.post('/v3/routes', { host, path, relationships: { domain: { data: { guid: domain.guid } }, space: { data: { guid: sg } } } });
    const r1 = await mk('rt-one');
    assert.equal(r1.status, 201, r1.text);
    assertResource(f, r1.json, `/v3/routes/${r1.json.guid}`);
    assert.equal(r1.json.url, 'rt-one.localhost');
    assert.equal(r1.json.protocol, 'http');
    assert.deepEqual(r1.json.destinations, []);
    const r2 = await mk('rt-two', '/api');
    assert.equal(r2.json.url, 'rt-two.localhost/api');
    const r3 = await mk('rt-three', '', other.guid);
    assertError(await mk('rt-one'), 422, 10008, 'CF-UnprocessableEntity', "Route already exists with host 'rt-one' for domain 'localhost'.");

    const add = await api.post(`/v3/routes/${r1.json.guid}/destinations`, { destinations: [{ app: { guid: a.guid } }] });
    assert.equal(add.status, 200, add.text);
    assert.equal(add.json.destinations.length, 1);
    const d0 = add.json.destinations[0];
    assert.deepEqual(d0.app, { guid: a.guid, process: { type: 'web' } });
    assert.equal(d0.port, 8080);
    assert.equal(d0.protocol, 'http1');
    // The route belongs to its space: an app of another space cannot be mapped.
    assertError(
      await api.post(`/v3/routes/${r1.json.guid}/destinations`, { destinations: [{ app: { guid: stranger.guid } }] }),
      422,
      10008,
      'CF-UnprocessableEntity',
      'Routes cannot be mapped to destinations in different spaces.',
    );
    assertError(
      await api.post(`/v3/routes/${r3.json.guid}/destinations`, { destinations: [{ app: { guid: a.guid } }] }),
      422,
      10008,
      'CF-UnprocessableEntity',
      'Routes cannot be mapped to destinations in different spaces.',
    );

    const q = async (qs: string) => (await api.get(`/v3/routes?${qs}`)).json.resources.map((r: any) => r.host).sort();
    assert.deepEqual(await q('hosts=rt-one,rt-two'), ['rt-one', 'rt-two']);
    assert.deepEqual(await q('paths=/api'), ['rt-two']);
    assert.deepEqual(await q(`space_guids=${other.guid}`), ['rt-three']);
    assert.deepEqual(await q(`app_guids=${a.guid}`), ['rt-one']);
    assert.deepEqual(await q(`domain_guids=${domain.guid}&hosts=rt-three`), ['rt-three']);

    const rep = await api.patch(`/v3/routes/${r1.json.guid}/destinations`, { destinations: [{ app: { guid: b.guid } }] });
    assert.equal(rep.status, 200, rep.text);
    assert.deepEqual(
      rep.json.destinations.map((d: any) => d.app.guid),
      [b.guid],
    );
    const failedSwap = await api.patch(`/v3/routes/${r1.json.guid}/destinations`, { destinations: [{ app: { guid: stranger.guid } }] });
    assert.equal(failedSwap.status, 422);
    const still = (await api.get(`/v3/routes/${r1.json.guid}/destinations`)).json.destinations;
    assert.deepEqual(
      still.map((d: any) => d.app.guid),
      [b.guid],
      'a refused PATCH leaves the destinations as they were',
    );
    assert.equal((await api.del(`/v3/routes/${r1.json.guid}/destinations/${still[0].guid}`)).status, 204);
    assertError(await api.del(`/v3/routes/${r1.json.guid}/destinations/${still[0].guid}`), 422, 10008, 'CF-UnprocessableEntity');
    const del = await api.del(`/v3/routes/${r2.json.guid}`);
    assert.equal(del.status, 202);
    assert.equal((await api.job(del.headers.location as string)).state, 'COMPLETE');
    assertError(await api.get(`/v3/routes/${r2.json.guid}`), 404, 10010, 'CF-ResourceNotFound');
  });
});

describe('apps: env, environment variables, processes', () => {
  test('env vars PATCH merges, null deletes; PATCH process command + http health check; scale both ways; stats', async () => {
    const app = await createApp(api, 'proc-app');
    let ev = await api.patch(`/v3/apps/${app.guid}/environment_variables`, { var: { A: '1', B: 'two' } });
    assert.equal(ev.status, 200);
    assert.deepEqual(ev.json.var, { A: '1', B: 'two' });
    assert.equal(ev.json.links.self.href, `${f.apiUrl}/v3/apps/${app.guid}/environment_variables`);
    ev = await api.patch(`/v3/apps/${app.guid}/environment_variables`, { var: { A: null, C: 'c' } });
    assert.deepEqual(ev.json.var, { B: 'two', C: 'c' });
    assert.deepEqual((await api.get(`/v3/apps/${app.guid}/environment_variables`)).json.var, { B: 'two', C: 'c' });
    const env = (await api.get(`/v3/apps/${app.guid}/env`)).json;
    assert.deepEqual(env.environment_variables, { B: 'two', C: 'c' });
    assert.deepEqual(env.system_env_json, { VCAP_SERVICES: {} });
    assert.equal(env.application_env_json.VCAP_APPLICATION.application_name, 'proc-app');
    for (const k of ['staging_env_json', 'running_env_json']) assert.deepEqual(env[k], {});

    const web = (await api.get(`/v3/apps/${app.guid}/processes/web`)).json;
    assertResource(f, web, `/v3/processes/${web.guid}`);
    assert.deepEqual(web.health_check, { type: 'port', data: { timeout: null, invocation_timeout: null, interval: null, endpoint: null } });
    assert.equal(web.instances, 1);
    assert.equal(web.memory_in_mb, 1024);
    const patched = await api.patch(`/v3/processes/${web.guid}`, {
      command: 'node server.js',
      health_check: { type: 'http', data: { endpoint: '/health', timeout: 30, invocation_timeout: 5 } },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.command, 'node server.js');
    assert.deepEqual(patched.json.health_check, { type: 'http', data: { timeout: 30, invocation_timeout: 5, interval: null, endpoint: '/health' } });
    assertError(
      await api.patch(`/v3/processes/${web.guid}`, { health_check: { type: 'tcp' } }),
      422,
      10008,
      'CF-UnprocessableEntity',
      /Health check type must be "port", "process", or "http"/,
    );
    const s1 = await api.post(`/v3/processes/${web.guid}/actions/scale`, { instances: 3, memory_in_mb: 128 });
    assert.equal(s1.status, 202);
    assert.equal(s1.json.instances, 3);
    assert.equal(s1.json.memory_in_mb, 128);
    const s2 = await api.post(`/v3/apps/${app.guid}/processes/web/actions/scale`, { instances: 2, disk_in_mb: 256 });
    assert.equal(s2.status, 202);
    assert.equal(s2.json.instances, 2);
    assert.equal(s2.json.disk_in_mb, 256);
    assertError(await api.post(`/v3/processes/${web.guid}/actions/scale`, { instances: -1 }), 422, 10008, 'CF-UnprocessableEntity');
    const stats = (await api.get(`/v3/processes/${web.guid}/stats`)).json.resources;
    assert.equal(stats.length, 2);
    for (const s of stats) {
      assert.equal(s.state, 'DOWN');
      for (const k of ['type', 'index', 'state', 'usage', 'host', 'instance_ports', 'uptime', 'details']) assert.ok(k in s, k);
    }
    assertError(await api.post(`/v3/apps/${app.guid}/actions/start`), 422, 10008, 'CF-UnprocessableEntity', 'Assign a droplet before starting this app.');
  });
});

describe('packages', () => {
  test('docker package: READY at once, password stored but shown as ***; bits package download', async () => {
    const space = await api.space();
    const dockerApp = await api.post('/v3/apps', {
      name: 'docker-app',
      lifecycle: { type: 'docker', data: {} },
      relationships: { space: { data: { guid: space.guid } } },
    });
    assert.equal(dockerApp.status, 201, dockerApp.text);
    assert.deepEqual(dockerApp.json.lifecycle, { type: 'docker', data: {} });
    const res = await api.post('/v3/packages', {
      type: 'docker',
      relationships: { app: { data: { guid: dockerApp.json.guid } } },
      data: { image: 'registry/img:1', username: 'me', password: 's3cret' },
    });
    assert.equal(res.status, 201, res.text);
    assertResource(f, res.json, `/v3/packages/${res.json.guid}`);
    assert.equal(res.json.state, 'READY');
    assert.deepEqual(res.json.data, { image: 'registry/img:1', username: 'me', password: '***' });
    assert.ok(!(await api.get(`/v3/packages/${res.json.guid}`)).text.includes('s3cret'));
    assert.ok(!(await api.get(`/v3/packages?app_guids=${dockerApp.json.guid}`)).text.includes('s3cret'));
    assertError(
      await api.post('/v3/packages', { type: 'docker', relationships: { app: { data: { guid: dockerApp.json.guid } } }, data: {} }),
      422,
      10008,
      'CF-UnprocessableEntity',
    );
    assertError(
      await api.post('/v3/packages', { type: 'tarball', relationships: { app: { data: { guid: dockerApp.json.guid } } } }),
      422,
      10008,
      'CF-UnprocessableEntity',
    );

    const app = await createApp(api, 'download-app');
    const pkg = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } })).json;
    assert.equal(pkg.state, 'AWAITING_UPLOAD');
    assert.equal(pkg.links.upload.href, `${f.apiUrl}/v3/packages/${pkg.guid}/upload`);
    const mp = multipart([], await zipEntries({ 'index.html': '<h1>hi</h1>', 'sub/a.txt': 'aaa' }));
    const up = await api.call('POST', `/v3/packages/${pkg.guid}/upload`, mp.body, { 'content-type': mp.contentType });
    assert.equal(up.status, 200, up.text);
    assert.equal(up.json.state, 'READY');
    assert.equal(up.json.data.checksum.type, 'sha256');
    const dl = await api.get(`/v3/packages/${pkg.guid}/download`);
    assert.equal(dl.status, 200);
    assert.equal(dl.headers['content-type'], 'application/zip');
    assert.ok(dl.text.includes('index.html') && dl.text.includes('sub/a.txt'));
    const matches = await api.post('/v3/resource_matches', {
      resources: [{ path: 'index.html', mode: '644', checksum: { value: 'b1b8b1b0a6d9e5d4a9b2b6a0d8f2bc0f5dd5bb3b' }, size_in_bytes: 11 }],
    });
    assert.equal(matches.status, 201);
    assert.deepEqual(matches.json, { resources: [] });
  });
});

describe('service instances and bindings', () => {
  test('user-provided CRUD, credentials endpoint, name taken, bindings (app), filters, VCAP_SERVICES in /env', async () => {
    const space = await api.space();
    const other = await createSpace(api, 'svc-other');
    const create = await api.post('/v3/service_instances', {
      type: 'user-provided',
      name: 'my-db',
      relationships: { space: { data: { guid: space.guid } } },
      credentials: { uri: 'postgres://u:p@db:5432/x', user: 'u' },
      syslog_drain_url: 'syslog://logs.example.com:514',
      tags: ['db', 'pg'],
    });
    assert.equal(create.status, 201, create.text);
    const si = create.json;
    assertResource(f, si, `/v3/service_instances/${si.guid}`);
    assert.equal(si.type, 'user-provided');
    assert.equal(si.name, 'my-db');
    assert.deepEqual(si.tags, ['db', 'pg']);
    assert.equal(si.syslog_drain_url, 'syslog://logs.example.com:514');
    assert.equal(si.route_service_url, null);
    assert.equal(si.last_operation.type, 'create');
    assert.equal(si.last_operation.state, 'succeeded');
    assert.equal(si.relationships.space.data.guid, space.guid);
    assert.equal(si.links.credentials.href, `${f.apiUrl}/v3/service_instances/${si.guid}/credentials`);
    assert.ok(!('credentials' in si), 'credentials are only served by /credentials');
    const creds = await api.get(`/v3/service_instances/${si.guid}/credentials`);
    assert.deepEqual(creds.json, { uri: 'postgres://u:p@db:5432/x', user: 'u' });
    assertError(
      await api.post('/v3/service_instances', { type: 'user-provided', name: 'my-db', relationships: { space: { data: { guid: space.guid } } } }),
      422,
      60002,
      'CF-ServiceInstanceNameTaken',
      'The service instance name is taken: my-db.',
    );
    assertError(
      await api.post('/v3/service_instances', {
        type: 'user-provided',
        name: 'rs',
        route_service_url: 'http://insecure',
        relationships: { space: { data: { guid: space.guid } } },
      }),
      422,
      10008,
      'CF-UnprocessableEntity',
      /Route service url must be https/,
    );
    const upd = await api.patch(`/v3/service_instances/${si.guid}`, { credentials: { uri: 'postgres://new' }, tags: ['t'] });
    assert.equal(upd.status, 200, upd.text);
    assert.equal(upd.json.last_operation.type, 'update');
    assert.deepEqual(upd.json.tags, ['t']);
    assert.deepEqual((await api.get(`/v3/service_instances/${si.guid}/credentials`)).json, { uri: 'postgres://new' });
    assert.deepEqual(
      (await api.get('/v3/service_instances?names=my-db,zzz')).json.resources.map((s: any) => s.guid),
      [si.guid],
    );
    assert.deepEqual((await api.get(`/v3/service_instances?space_guids=${other.guid}`)).json.resources, []);

    const app = await createApp(api, 'bound-app');
    const stranger = await createApp(api, 'svc-stranger', other.guid);
    const bind = await api.post('/v3/service_credential_bindings', {
      type: 'app',
      name: 'db-binding',
      relationships: { service_instance: { data: { guid: si.guid } }, app: { data: { guid: app.guid } } },
    });
    assert.equal(bind.status, 201, bind.text);
    const b = bind.json;
    assertResource(f, b, `/v3/service_credential_bindings/${b.guid}`);
    assert.equal(b.type, 'app');
    assert.equal(b.name, 'db-binding');
    assert.deepEqual(b.relationships, { app: { data: { guid: app.guid } }, service_instance: { data: { guid: si.guid } } });
    assert.equal(b.last_operation.state, 'succeeded');
    assertError(
      await api.post('/v3/service_credential_bindings', {
        type: 'app',
        relationships: { service_instance: { data: { guid: si.guid } }, app: { data: { guid: app.guid } } },
      }),
      422,
      10008,
      'CF-UnprocessableEntity',
    );
    assertError(
      await api.post('/v3/service_credential_bindings', {
        type: 'app',
        relationships: { service_instance: { data: { guid: si.guid } }, app: { data: { guid: stranger.guid } } },
      }),
      422,
      10008,
      'CF-UnprocessableEntity',
      'The service instance and the app are in different spaces',
    );
    const details = await api.get(`/v3/service_credential_bindings/${b.guid}/details`);
    assert.deepEqual(details.json, { credentials: { uri: 'postgres://new' }, syslog_drain_url: 'syslog://logs.example.com:514', volume_mounts: [] });
    assert.deepEqual(
      (await api.get(`/v3/service_credential_bindings?app_guids=${app.guid}`)).json.resources.map((x: any) => x.guid),
      [b.guid],
    );
    assert.deepEqual((await api.get(`/v3/service_credential_bindings?service_instance_guids=${si.guid}&app_guids=${stranger.guid}`)).json.resources, []);

    const vcap = (await api.get(`/v3/apps/${app.guid}/env`)).json.system_env_json.VCAP_SERVICES;
    assert.deepEqual(vcap, {
      'user-provided': [
        {
          label: 'user-provided',
          name: 'db-binding',
          tags: ['t'],
          instance_guid: si.guid,
          instance_name: 'my-db',
          binding_guid: b.guid,
          binding_name: 'db-binding',
          credentials: { uri: 'postgres://new' },
          syslog_drain_url: 'syslog://logs.example.com:514',
          volume_mounts: [],
        },
      ],
    });

    assert.equal((await api.del(`/v3/service_credential_bindings/${b.guid}`)).status, 204);
    assertError(await api.get(`/v3/service_credential_bindings/${b.guid}`), 404, 10010, 'CF-ResourceNotFound');
    assert.equal((await api.del(`/v3/service_instances/${si.guid}`)).status, 204);
    assertError(await api.get(`/v3/service_instances/${si.guid}`), 404, 10010, 'CF-ResourceNotFound');
  });
});

// apply_manifest (async job, CC's checks and messages, additive semantics,
// routes, services by name) and manifest_diff against the live app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningFoundation } from '../../../src/foundation/server';
import { Api, cleanup, startTestFoundation, tempDir } from '../helpers';
import { applyOk, appByName, assertError } from './util';

let f: RunningFoundation;
let api: Api;
let dataDir: string;
let spaceGuid: string;

before(async () => {
  dataDir = tempDir();
  f = await startTestFoundation(dataDir);
  api = await Api.connect(f);
  spaceGuid = (await api.space()).guid;
});
after(async () => {
  await f.close();
  cleanup(dataDir);
});

const post = (path: 'apply_manifest' | 'manifest_diff', body: string, type = 'application/x-yaml') =>
  api.call('POST', `/v3/spaces/${spaceGuid}/${path === 'apply_manifest' ? 'actions/apply_manifest' : 'manifest_diff'}`, body, { 'content-type': type });

async function routesOf(appGuid: string): Promise<string[]> {
  return (await api.get(`/v3/apps/${appGuid}/routes`)).json.resources.map((r: any) => r.url).sort();
}

describe('apply_manifest checks', () => {
  test('non-YAML content type → 400 CF-BadRequest "Content-Type must be yaml"', async () => {
    for (const path of ['apply_manifest', 'manifest_diff'] as const) {
      assertError(await post(path, '{"applications":[]}', 'application/json'), 400, 1004, 'CF-BadRequest', 'Bad request: Content-Type must be yaml');
    }
  });

  test('version ≠ 1, no applications, broken YAML', async () => {
    assertError(
      await post('apply_manifest', 'version: 2\napplications:\n- name: a\n'),
      422,
      10008,
      'CF-UnprocessableEntity',
      'Unsupported manifest schema version. Currently supported versions: [1].',
    );
    for (const body of ['version: 1\n', 'applications: []\n', '']) {
      assertError(await post('apply_manifest', body), 422, 10008, 'CF-UnprocessableEntity', "Cannot parse manifest with no 'applications' field.");
    }
    assertError(await post('apply_manifest', 'applications:\n- name: [unclosed\n'), 400, 1001, 'CF-MessageParseError');
    assertError(await post('apply_manifest', 'applications: [{name: x}'), 400, 1001, 'CF-MessageParseError');
  });

  test('several invalid apps → one 422 with every error, each prefixed as CC does', async () => {
    const res = await post(
      'apply_manifest',
      [
        'applications:',
        '- name: bad-one',
        '  memory: 12XB',
        '  instances: -3',
        '- name: bad-two',
        '  health-check-type: tcp',
        '  random-route: true',
        '  default-route: true',
        '- instances: 1',
        '- name: fine',
        '',
      ].join('\n'),
    );
    assert.equal(res.status, 422, res.text);
    const details = res.json.errors.map((e: any) => e.detail);
    for (const e of res.json.errors) {
      assert.equal(e.code, 10008);
      assert.equal(e.title, 'CF-UnprocessableEntity');
    }
    assert.ok(
      details.includes(`For application 'bad-one': Process "web": Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB`),
      details.join('\n'),
    );
    assert.ok(
      details.some((d: string) => d.startsWith(`For application 'bad-one': Process "web": Instances must be greater than or equal to 0`)),
      details.join('\n'),
    );
    assert.ok(details.includes(`For application 'bad-two': Process "web": Health check type must be "port", "process", or "http"`), details.join('\n'));
    assert.ok(details.includes(`For application 'bad-two': Random-route and default-route may not be used together`), details.join('\n'));
    assert.ok(details.includes('For application at index 2: Name must not be empty'), details.join('\n'));
    assert.ok(!details.some((d: string) => d.includes("'fine'")));
    assert.equal(details.length, 5, details.join('\n'));
    // Nothing was created.
    assert.equal((await api.get('/v3/apps?names=bad-one,bad-two,fine')).json.resources.length, 0);
  });
});

describe('apply_manifest semantics', () => {
  test('202 + Location job; the app exists at once; settings, processes, default route; deprecated keys → X-Cf-Warnings + job warnings', async () => {
    const res = await post(
      'apply_manifest',
      [
        'applications:',
        '- name: mf-app',
        '  instances: 2',
        '  memory: 256M',
        '  disk_quota: 1G',
        '  buildpacks: [binary]',
        '  command: node server.js',
        '  health-check-type: http',
        '  health-check-http-endpoint: /ready',
        '  timeout: 30',
        '  env: {A: "1", N: 2}',
        '  default-route: true',
        '  host: old-style',
        '  processes:',
        '  - type: worker',
        '    instances: 1',
        '    command: node worker.js',
        '',
      ].join('\n'),
    );
    assert.equal(res.status, 202, res.text);
    assert.equal(res.text, '');
    const location = res.headers.location as string;
    assert.match(location, new RegExp(`^${f.apiUrl}/v3/jobs/[0-9a-f-]{36}$`));
    const warnings = decodeURIComponent(String(res.headers['x-cf-warnings'] ?? ''));
    assert.match(warnings, /Route component attribute 'host' is deprecated/);
    const job = await api.job(location);
    assert.equal(job.state, 'COMPLETE');
    assert.equal(job.operation, 'space.apply_manifest');
    assert.deepEqual(job.errors, []);
    assert.ok(job.warnings.some((w: any) => /'host' is deprecated/.test(w.detail)));
    assert.equal(job.links.self.href, location);

    const app = await appByName(api, 'mf-app');
    assert.equal(app.state, 'STOPPED');
    assert.deepEqual(app.lifecycle.data.buildpacks, ['binary']);
    const vars = (await api.get(`/v3/apps/${app.guid}/environment_variables`)).json.var;
    assert.deepEqual(vars, { A: '1', N: '2' });
    const procs = (await api.get(`/v3/apps/${app.guid}/processes?order_by=created_at`)).json.resources;
    const web = procs.find((p: any) => p.type === 'web');
    const worker = procs.find((p: any) => p.type === 'worker');
    assert.equal(web.instances, 2);
    assert.equal(web.memory_in_mb, 256);
    assert.equal(web.disk_in_mb, 1024);
    // Lists hide commands, as CC's do; the process itself shows it.
    assert.equal(web.command, '[PRIVATE DATA HIDDEN IN LISTS]');
    assert.equal((await api.get(`/v3/processes/${web.guid}`)).json.command, 'node server.js');
    assert.deepEqual(web.health_check, { type: 'http', data: { timeout: 30, invocation_timeout: null, interval: null, endpoint: '/ready' } });
    assert.equal(worker.instances, 1);
    assert.equal((await api.get(`/v3/processes/${worker.guid}`)).json.command, 'node worker.js');
    assert.deepEqual(await routesOf(app.guid), ['mf-app.localhost']);
  });

  test('additive: env merges, routes add, default/random only without routes, no-route unmaps', async () => {
    await applyOk(api, 'applications:\n- name: add-app\n  env: {A: a}\n  routes:\n  - route: add-one.localhost\n');
    const app = await appByName(api, 'add-app');
    await applyOk(api, 'applications:\n- name: add-app\n  env: {B: b}\n  routes:\n  - route: add-two.localhost/p\n');
    assert.deepEqual((await api.get(`/v3/apps/${app.guid}/environment_variables`)).json.var, { A: 'a', B: 'b' });
    assert.deepEqual(await routesOf(app.guid), ['add-one.localhost', 'add-two.localhost/p']);
    // default-route / random-route do nothing for an app that has routes.
    await applyOk(api, 'applications:\n- name: add-app\n  default-route: true\n');
    await applyOk(api, 'applications:\n- name: add-app\n  random-route: true\n');
    assert.deepEqual(await routesOf(app.guid), ['add-one.localhost', 'add-two.localhost/p']);
    await applyOk(api, 'applications:\n- name: add-app\n  no-route: true\n');
    assert.deepEqual(await routesOf(app.guid), []);
    // Routes themselves stay (no-route only deletes mappings).
    assert.equal((await api.get('/v3/routes?hosts=add-one')).json.resources.length, 1);
    await applyOk(api, 'applications:\n- name: add-app\n  random-route: true\n');
    const [random] = await routesOf(app.guid);
    assert.match(random!, /^add-app-[a-z]+-[a-z]+-\d{3}\.localhost$/);
  });

  test('a route in another space and an unknown service fail the job with a prefixed error', async () => {
    const org = (await api.get('/v3/organizations?names=org')).json.resources[0];
    const other = (await api.post('/v3/spaces', { name: 'mf-other', relationships: { organization: { data: { guid: org.guid } } } })).json;
    const domain = (await api.get('/v3/domains?names=localhost')).json.resources[0];
    await api.post('/v3/routes', { host: 'taken', relationships: { domain: { data: { guid: domain.guid } }, space: { data: { guid: other.guid } } } });
    let res = await post('apply_manifest', 'applications:\n- name: thief\n  routes:\n  - route: taken.localhost\n');
    let job = await api.job(res.headers.location as string);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.errors[0].title, 'CF-UnprocessableEntity');
    assert.equal(job.errors[0].detail, "For application 'thief': Routes cannot be mapped to destinations in different spaces");
    res = await post('apply_manifest', 'applications:\n- name: svc-less\n  services: [nope]\n');
    job = await api.job(res.headers.location as string);
    assert.equal(job.state, 'FAILED');
    assert.match(job.errors[0].detail, /^For application 'svc-less': Service instance 'nope' not found/);
  });

  test('services: binds by name (string or object), idempotently', async () => {
    const si = (
      await api.post('/v3/service_instances', {
        type: 'user-provided',
        name: 'mf-svc',
        credentials: { k: 'v' },
        relationships: { space: { data: { guid: spaceGuid } } },
      })
    ).json;
    await applyOk(api, 'applications:\n- name: svc-app\n  services:\n  - mf-svc\n');
    await applyOk(api, 'applications:\n- name: svc-app\n  services:\n  - name: mf-svc\n');
    const app = await appByName(api, 'svc-app');
    const bindings = (await api.get(`/v3/service_credential_bindings?app_guids=${app.guid}`)).json.resources;
    assert.equal(bindings.length, 1);
    assert.equal(bindings[0].relationships.service_instance.data.guid, si.guid);
  });
});

describe('manifest_diff', () => {
  test('201 {diff:[{op,path,was,value}]} against the current app; memory compared in MB', async () => {
    await applyOk(api, 'applications:\n- name: diff-app\n  instances: 1\n  memory: 1G\n  env: {A: a}\n  routes:\n  - route: diff-app.localhost\n');
    const res = await post(
      'manifest_diff',
      [
        'applications:',
        '- name: diff-app',
        '  instances: 3',
        '  memory: 1024M',
        '  env: {A: changed, B: new}',
        '  routes:',
        '  - route: diff-app.localhost',
        '- name: brand-new',
        '  instances: 2',
        '',
      ].join('\n'),
    );
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.json), ['diff']);
    const diff = res.json.diff;
    assert.deepEqual(
      diff.find((d: any) => d.path === '/applications/0/instances'),
      { op: 'replace', path: '/applications/0/instances', was: 1, value: 3 },
    );
    assert.ok(!diff.some((d: any) => d.path === '/applications/0/memory'), 'same size in other units is no change');
    assert.deepEqual(
      diff.find((d: any) => d.path === '/applications/0/env/A'),
      { op: 'replace', path: '/applications/0/env/A', was: 'a', value: 'changed' },
    );
    assert.deepEqual(
      diff.find((d: any) => d.path === '/applications/0/env/B'),
      { op: 'add', path: '/applications/0/env/B', value: 'new' },
    );
    assert.ok(!diff.some((d: any) => d.path.startsWith('/applications/0/routes')), JSON.stringify(diff));
    assert.deepEqual(
      diff.find((d: any) => d.path === '/applications/1/instances'),
      { op: 'add', path: '/applications/1/instances', value: 2 },
    );
    assert.deepEqual(
      diff.find((d: any) => d.path === '/applications/1/name'),
      { op: 'add', path: '/applications/1/name', value: 'brand-new' },
    );
    // The diff changes nothing.
    assert.equal((await api.get('/v3/apps?names=brand-new')).json.resources.length, 0);
    const bad = await post('manifest_diff', 'applications:\n- name: d\n  memory: lots\n');
    assertError(bad, 422, 10008, 'CF-UnprocessableEntity', `For application 'd': Process "web": Memory is not a number`);
  });

  test('a binding the manifest would add shows under services (what the push preview lists)', async () => {
    await api.post('/v3/service_instances', { type: 'user-provided', name: 'diff-svc', relationships: { space: { data: { guid: spaceGuid } } } });
    await applyOk(api, 'applications:\n- name: diff-svc-app\n');
    const res = await post('manifest_diff', 'applications:\n- name: diff-svc-app\n  services: [diff-svc]\n');
    assert.equal(res.status, 201, res.text);
    const services = res.json.diff.filter((d: any) => d.path.startsWith('/applications/0/services'));
    assert.deepEqual(services, [{ op: 'add', path: '/applications/0/services', value: ['diff-svc'] }]);
  });
});

// The fake OSB broker of test/fixtures/osb-broker, driven over real HTTP as a
// platform drives a broker (OSB spec: catalog, provision, last_operation,
// fetch, update, bind, unbind, deprovision, errors), so tests of the
// foundation's broker client can trust what it answers and records.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { catalogProblems } from '../../src/foundation/osbapi/catalog';
import { spawnFakeBroker, startFakeBroker, type FakeBroker } from '../helpers/osb-broker';

let b: FakeBroker;
before(async () => {
  b = await startFakeBroker();
});
after(() => b.close());
beforeEach(() => b.reset());

interface Res {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

const USER = { user_id: 'u-1234' };
const identity = `cloudfoundry ${Buffer.from(JSON.stringify(USER)).toString('base64')}`;

/** One call as a platform makes it: basic auth, X-Broker-API-Version 2.15, a request identity, JSON. */
async function osb(method: string, path: string, body?: unknown, headers: Record<string, string | undefined> = {}): Promise<Res> {
  const h: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${b.username}:${b.password}`).toString('base64')}`,
    'x-broker-api-version': '2.15',
    'x-broker-api-request-identity': randomUUID(),
    'x-broker-api-originating-identity': identity,
    accept: 'application/json',
  };
  if (body !== undefined) h['content-type'] = 'application/json';
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) delete h[k];
    else h[k] = v;
  }
  const res = await fetch(`${b.url}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

const svc = () => b.ids.service;
const plan = (name: 'small' | 'async' | 'fails') => b.ids.plans[name];
const provisionBody = (planName: 'small' | 'async' | 'fails', parameters?: Record<string, unknown>) => ({
  service_id: svc(),
  plan_id: plan(planName),
  organization_guid: 'org-1',
  space_guid: 'space-1',
  context: { platform: 'cloudfoundry', organization_guid: 'org-1', space_guid: 'space-1', instance_name: 'db' },
  ...(parameters ? { parameters } : {}),
});
const bindBody = (planName: 'small' | 'async' | 'fails', parameters?: Record<string, unknown>) => ({
  service_id: svc(),
  plan_id: plan(planName),
  bind_resource: { app_guid: 'app-1' },
  context: { platform: 'cloudfoundry' },
  ...(parameters ? { parameters } : {}),
});
const ids = (planName: 'small' | 'async' | 'fails') => `service_id=${svc()}&plan_id=${plan(planName)}`;

/** Polls last_operation as a platform does until succeeded/failed; returns every answer. */
async function pollUntilDone(path: string, operation?: string): Promise<Res[]> {
  const seen: Res[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await osb('GET', `${path}/last_operation?service_id=${svc()}${operation ? `&operation=${encodeURIComponent(operation)}` : ''}`);
    seen.push(r);
    if (r.status !== 200 || r.json.state !== 'in progress') return seen;
  }
  throw new Error(`${path}: still in progress after 20 polls`);
}

describe('headers and the catalog', () => {
  test('basic auth is required: none or a wrong password is 401, and nothing else is checked first', async () => {
    assert.equal((await osb('GET', '/v2/catalog', undefined, { authorization: undefined })).status, 401);
    const wrong = await osb('GET', '/v2/catalog', undefined, { authorization: `Basic ${Buffer.from(`${b.username}:nope`).toString('base64')}` });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.equal((await osb('GET', '/v2/catalog', undefined, { authorization: undefined, 'x-broker-api-version': undefined })).status, 401);
  });

  test('X-Broker-API-Version missing or older than 2.13 is 412; 2.13 and later pass; the request identity comes back', async () => {
    const missing = await osb('GET', '/v2/catalog', undefined, { 'x-broker-api-version': undefined });
    assert.equal(missing.status, 412);
    assert.match(missing.json.description, /X-Broker-API-Version/);
    assert.equal((await osb('GET', '/v2/catalog', undefined, { 'x-broker-api-version': '2.12' })).status, 412);
    assert.equal((await osb('GET', '/v2/catalog', undefined, { 'x-broker-api-version': 'two' })).status, 412);
    for (const v of ['2.13', '2.15', '2.17']) assert.equal((await osb('GET', '/v2/catalog', undefined, { 'x-broker-api-version': v })).status, 200, v);
    const r = await osb('GET', '/v2/catalog', undefined, { 'x-broker-api-request-identity': 'req-42' });
    assert.equal(r.headers.get('x-broker-api-request-identity'), 'req-42');
  });

  test('the catalog is valid as CC checks it: fake-db with small, async and fails', async () => {
    const r = await osb('GET', '/v2/catalog');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(catalogProblems(r.json), []);
    const [s] = r.json.services;
    assert.equal(s.name, 'fake-db');
    assert.equal(s.id, svc());
    assert.deepEqual(s.tags, ['fake', 'relational']);
    assert.equal(s.bindable, true);
    assert.equal(s.plan_updateable, true);
    assert.equal(s.instances_retrievable, true);
    assert.equal(s.bindings_retrievable, true);
    assert.deepEqual(
      s.plans.map((p: any) => [p.name, p.id, p.free]),
      [
        ['small', plan('small'), true],
        ['async', plan('async'), true],
        ['fails', plan('fails'), false],
      ],
    );
  });

  test('POST /admin/catalog adds a plan (for a re-sync) and can break the catalog; admin needs auth too', async () => {
    const admin = (method: string, path: string, body?: unknown) => osb(method, path, body, { 'x-broker-api-version': undefined });
    assert.equal((await osb('POST', '/admin/catalog', { plans: [] }, { authorization: undefined })).status, 401);
    const added = await admin('POST', '/admin/catalog', { plans: [{ id: 'plan-large', name: 'large', description: 'Bigger.', free: true }] });
    assert.equal(added.status, 200);
    const cat = await osb('GET', '/v2/catalog');
    assert.deepEqual(
      cat.json.services[0].plans.map((p: any) => p.name),
      ['small', 'async', 'fails', 'large'],
    );
    assert.deepEqual(catalogProblems(cat.json), []);
    await admin('POST', '/admin/catalog', { fault: '500' });
    assert.equal((await osb('GET', '/v2/catalog')).status, 500);
    await admin('POST', '/admin/catalog', { fault: 'invalid-json' });
    const bad = await osb('GET', '/v2/catalog');
    assert.equal(bad.status, 200);
    assert.equal(bad.json, undefined);
    await admin('POST', '/admin/catalog', { fault: null });
    const svcBefore = b.catalog.services[0];
    await admin('PUT', '/admin/catalog', { services: [{ ...svcBefore, plans: svcBefore.plans.filter((p: any) => p.name !== 'large') }] });
    assert.deepEqual(
      (await osb('GET', '/v2/catalog')).json.services[0].plans.map((p: any) => p.name),
      ['small', 'async', 'fails'],
    );
  });
});

describe('synchronous lifecycle (plan small)', () => {
  test('provision 201, identical again 200, different 409, fetch, update, bind, fetch binding, unbind, deprovision, then 410s', async () => {
    const id = randomUUID();
    const created = await osb('PUT', `/v2/service_instances/${id}`, provisionBody('small', { size: 1 }));
    assert.equal(created.status, 201);
    assert.equal(created.json.dashboard_url, `${b.url}/dashboard/${id}`);
    assert.equal(created.json.operation, undefined);
    assert.equal((await osb('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody('small', { size: 1 }))).status, 200);
    assert.equal((await osb('PUT', `/v2/service_instances/${id}`, provisionBody('small', { size: 2 }))).status, 409);
    assert.equal((await osb('PUT', `/v2/service_instances/${id}`, provisionBody('async', { size: 1 }))).status, 409);

    const fetched = await osb('GET', `/v2/service_instances/${id}`);
    assert.deepEqual(fetched.json, { service_id: svc(), plan_id: plan('small'), dashboard_url: created.json.dashboard_url, parameters: { size: 1 } });

    const upd = await osb('PATCH', `/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: svc(),
      plan_id: plan('small'),
      parameters: { size: 3 },
      previous_values: { plan_id: plan('small'), service_id: svc() },
    });
    assert.equal(upd.status, 200);
    assert.deepEqual(upd.json, {});
    assert.deepEqual((await osb('GET', `/v2/service_instances/${id}`)).json.parameters, { size: 3 });

    const bid = randomUUID();
    const bound = await osb('PUT', `/v2/service_instances/${id}/service_bindings/${bid}`, bindBody('small', { role: 'ro' }));
    assert.equal(bound.status, 201);
    const c = bound.json.credentials;
    assert.equal(c.uri, `fakedb://user-${bid}:pw@127.0.0.1:${b.port}/${id}`);
    assert.equal(c.url, c.uri);
    assert.equal(c.username, `user-${bid}`);
    assert.equal(c.password, 'pw');
    assert.equal(c.port, b.port);
    assert.equal(c.hostname, '127.0.0.1');
    assert.equal(c.database, id);
    const again = await osb('PUT', `/v2/service_instances/${id}/service_bindings/${bid}`, bindBody('small', { role: 'ro' }));
    assert.equal(again.status, 200);
    assert.deepEqual(again.json.credentials, c);
    assert.equal((await osb('PUT', `/v2/service_instances/${id}/service_bindings/${bid}`, bindBody('small', { role: 'rw' }))).status, 409);
    const fb = await osb('GET', `/v2/service_instances/${id}/service_bindings/${bid}`);
    assert.deepEqual(fb.json, { credentials: c, parameters: { role: 'ro' } });

    assert.equal((await osb('DELETE', `/v2/service_instances/${id}/service_bindings/${bid}`)).status, 400, 'service_id and plan_id are required');
    const unbound = await osb('DELETE', `/v2/service_instances/${id}/service_bindings/${bid}?${ids('small')}&accepts_incomplete=true`);
    assert.equal(unbound.status, 200);
    assert.deepEqual(unbound.json, {});
    assert.equal((await osb('DELETE', `/v2/service_instances/${id}/service_bindings/${bid}?${ids('small')}`)).status, 410);
    assert.equal((await osb('GET', `/v2/service_instances/${id}/service_bindings/${bid}`)).status, 404);

    assert.equal((await osb('DELETE', `/v2/service_instances/${id}`)).status, 400, 'service_id and plan_id are required');
    const gone = await osb('DELETE', `/v2/service_instances/${id}?${ids('small')}&accepts_incomplete=true`);
    assert.equal(gone.status, 200);
    assert.deepEqual(gone.json, {});
    assert.equal((await osb('DELETE', `/v2/service_instances/${id}?${ids('small')}`)).status, 410);
    assert.equal((await osb('GET', `/v2/service_instances/${id}`)).status, 404);
    assert.deepEqual(b.state(), { instances: [], bindings: [] });
  });

  test('bad requests are 400: bad JSON, a missing field, an unknown plan; a binding of an unknown instance is 404', async () => {
    const id = randomUUID();
    const raw = await fetch(`${b.url}/v2/service_instances/${id}`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`${b.username}:${b.password}`).toString('base64')}`, 'x-broker-api-version': '2.15' },
      body: '{not json',
    });
    assert.equal(raw.status, 400);
    const { space_guid: _s, ...noSpace } = provisionBody('small');
    assert.equal((await osb('PUT', `/v2/service_instances/${id}`, noSpace)).status, 400);
    assert.equal((await osb('PUT', `/v2/service_instances/${id}`, { ...provisionBody('small'), plan_id: 'nope' })).status, 400);
    assert.equal((await osb('PUT', `/v2/service_instances/${id}`, { ...provisionBody('small'), parameters: [1] })).status, 400);
    assert.equal((await osb('PUT', `/v2/service_instances/${id}/service_bindings/x`, bindBody('small'))).status, 404);
    assert.deepEqual(b.state().instances, []);
  });

  test('the log records method, path, query, user, version, request and decoded originating identity, body and status', async () => {
    const id = randomUUID();
    await osb('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody('small', { tier: 'x' }), {
      'x-broker-api-request-identity': 'req-1',
    });
    await osb('DELETE', `/v2/service_instances/${id}?${ids('small')}`, undefined, { 'x-broker-api-originating-identity': undefined });
    assert.equal(b.log.length, 2);
    const [put, del] = b.log;
    assert.equal(put.method, 'PUT');
    assert.equal(put.path, `/v2/service_instances/${id}`);
    assert.deepEqual(put.query, { accepts_incomplete: 'true' });
    assert.equal(put.user, b.username);
    assert.equal(put.apiVersion, '2.15');
    assert.equal(put.requestIdentity, 'req-1');
    assert.equal(put.originatingIdentity!.platform, 'cloudfoundry');
    assert.deepEqual(put.originatingIdentity!.value, USER);
    assert.deepEqual(put.body.parameters, { tier: 'x' });
    assert.equal(put.status, 201);
    assert.equal(del.originatingIdentity, null);
    assert.deepEqual(del.query, { service_id: svc(), plan_id: plan('small') });
    assert.equal(del.status, 200);
    const listed = await osb('GET', '/admin/requests', undefined, { 'x-broker-api-version': undefined });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json, JSON.parse(JSON.stringify(b.log)), 'GET /admin/requests is the same list (admin calls are not in it)');
  });
});

describe('asynchronous operations', () => {
  test('plan async: 422 AsyncRequired without accepts_incomplete; 202 + operation; in progress twice with Retry-After, then succeeded', async () => {
    const id = randomUUID();
    const sync = await osb('PUT', `/v2/service_instances/${id}`, provisionBody('async'));
    assert.equal(sync.status, 422);
    assert.equal(sync.json.error, 'AsyncRequired');
    assert.equal(b.state().instances.length, 0, 'a 4xx changes nothing');

    const started = await osb('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody('async'));
    assert.equal(started.status, 202);
    assert.equal(typeof started.json.operation, 'string');
    assert.ok(started.json.dashboard_url);
    const resent = await osb('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody('async'));
    assert.equal(resent.status, 202, 'a re-sent PUT while provisioning is 202, not 200');
    assert.equal(resent.json.operation, started.json.operation);
    assert.equal((await osb('GET', `/v2/service_instances/${id}`)).status, 404, 'not fetchable while provisioning');
    assert.equal((await osb('PUT', `/v2/service_instances/${id}/service_bindings/b1?accepts_incomplete=true`, bindBody('async'))).status, 422);

    const polls = await pollUntilDone(`/v2/service_instances/${id}`, started.json.operation);
    assert.deepEqual(
      polls.map((p) => [p.status, p.json.state, p.headers.get('retry-after')]),
      [
        [200, 'in progress', '1'],
        [200, 'in progress', '1'],
        [200, 'succeeded', null],
      ],
    );
    assert.equal(b.log.find((e) => e.path.endsWith('/last_operation'))!.query.operation, started.json.operation);
    assert.equal((await osb('GET', `/v2/service_instances/${id}/last_operation?operation=other`)).status, 400);
    assert.equal((await osb('GET', `/v2/service_instances/${id}`)).status, 200);
    assert.equal((await osb('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody('async'))).status, 200);

    // Update: 202, the change applies when the operation succeeds; fetch is a ConcurrencyError meanwhile.
    const upd = await osb('PATCH', `/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: svc(),
      plan_id: plan('small'),
      parameters: { polls: 0 },
    });
    assert.equal(upd.status, 202);
    const during = await osb('GET', `/v2/service_instances/${id}`);
    assert.equal(during.status, 422);
    assert.equal(during.json.error, 'ConcurrencyError');
    assert.equal((await osb('DELETE', `/v2/service_instances/${id}?${ids('async')}&accepts_incomplete=true`)).json.error, 'ConcurrencyError');
    const updPolls = await pollUntilDone(`/v2/service_instances/${id}`, upd.json.operation);
    assert.deepEqual(
      updPolls.map((p) => p.json.state),
      ['succeeded'],
    );
    assert.equal((await osb('GET', `/v2/service_instances/${id}`)).json.plan_id, plan('small'));

    // Now on plan small: deprovision is synchronous.
    assert.equal((await osb('DELETE', `/v2/service_instances/${id}?${ids('small')}`)).status, 200);
  });

  test('async deprovision: 202, a re-sent DELETE is 202 too, succeeded, then last_operation is 410 Gone', async () => {
    const id = randomUUID();
    await osb('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody('async', { polls: 0, retry_after: 0 }));
    assert.deepEqual(
      (await pollUntilDone(`/v2/service_instances/${id}`)).map((p) => [p.json.state, p.headers.get('retry-after')]),
      [['succeeded', null]],
    );
    assert.equal((await osb('DELETE', `/v2/service_instances/${id}?${ids('async')}`)).json.error, 'AsyncRequired');
    const del = await osb('DELETE', `/v2/service_instances/${id}?${ids('async')}&accepts_incomplete=true`);
    assert.equal(del.status, 202);
    assert.equal((await osb('DELETE', `/v2/service_instances/${id}?${ids('async')}&accepts_incomplete=true`)).json.operation, del.json.operation);
    assert.deepEqual(
      (await pollUntilDone(`/v2/service_instances/${id}`, del.json.operation)).map((p) => p.json.state),
      ['succeeded'],
    );
    assert.equal((await osb('GET', `/v2/service_instances/${id}/last_operation`)).status, 410);
    assert.equal((await osb('DELETE', `/v2/service_instances/${id}?${ids('async')}&accepts_incomplete=true`)).status, 410);
  });

  test('async_ms: in progress until the time is up, whatever the number of polls', async () => {
    const id = randomUUID();
    const t0 = Date.now();
    await osb('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody('async', { async_ms: 1000, retry_after: 2 }));
    for (let i = 0; i < 3; i++) {
      const r = await osb('GET', `/v2/service_instances/${id}/last_operation`);
      assert.equal(r.json.state, 'in progress');
      assert.equal(r.headers.get('retry-after'), '2');
    }
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + 1050 - Date.now())));
    assert.equal((await osb('GET', `/v2/service_instances/${id}/last_operation`)).json.state, 'succeeded');
  });

  test('async bind and unbind (parameters.async): binding last_operation, fetch once succeeded, 410 after unbind', async () => {
    const id = randomUUID();
    assert.equal((await osb('PUT', `/v2/service_instances/${id}`, provisionBody('small'))).status, 201);
    const bid = randomUUID();
    const path = `/v2/service_instances/${id}/service_bindings/${bid}`;
    const body = bindBody('small', { async: ['bind', 'unbind'], polls: 1 });
    assert.equal((await osb('PUT', path, body)).json.error, 'AsyncRequired');
    const started = await osb('PUT', `${path}?accepts_incomplete=true`, body);
    assert.equal(started.status, 202);
    assert.equal(started.json.credentials, undefined, 'no credentials in a 202');
    assert.equal((await osb('PUT', `${path}?accepts_incomplete=true`, body)).status, 202);
    assert.equal((await osb('GET', path)).status, 404, 'not fetchable while binding');
    assert.deepEqual(
      (await pollUntilDone(path, started.json.operation)).map((p) => p.json.state),
      ['in progress', 'succeeded'],
    );
    const fetched = await osb('GET', path);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.json.credentials.username, `user-${bid}`);
    const unbind = await osb('DELETE', `${path}?${ids('small')}&accepts_incomplete=true`);
    assert.equal(unbind.status, 202);
    assert.deepEqual(
      (await pollUntilDone(path, unbind.json.operation)).map((p) => p.json.state),
      ['in progress', 'succeeded'],
    );
    assert.equal((await osb('GET', `${path}/last_operation`)).status, 410);
    assert.deepEqual(b.state().bindings, []);
  });
});

describe('failures a platform must handle', () => {
  test('plan fails: provision 500; the orphan-mitigation DELETE then succeeds (200) and is in the log', async () => {
    const id = randomUUID();
    const r = await osb('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody('fails'));
    assert.equal(r.status, 500);
    assert.match(r.json.description, /fake-db/);
    assert.equal((await osb('GET', `/v2/service_instances/${id}`)).status, 404);
    const om = await osb('DELETE', `/v2/service_instances/${id}?${ids('fails')}&accepts_incomplete=true`, undefined, {
      'x-broker-api-originating-identity': undefined,
    });
    assert.equal(om.status, 200);
    assert.deepEqual(
      b.log.map((e) => [e.method, e.path, e.status]),
      [
        ['PUT', `/v2/service_instances/${id}`, 500],
        ['GET', `/v2/service_instances/${id}`, 404],
        ['DELETE', `/v2/service_instances/${id}`, 200],
      ],
    );
    assert.deepEqual(b.state().instances, []);
  });

  test('parameters.fail "provision" on plan small: 500 as well', async () => {
    const id = randomUUID();
    assert.equal((await osb('PUT', `/v2/service_instances/${id}`, provisionBody('small', { fail: 'provision' }))).status, 500);
    assert.equal(b.state().instances[0].orphan, true);
  });

  test('parameters.fail "provision-async": 202, then last_operation failed with a description; then deprovision is 200', async () => {
    const id = randomUUID();
    const r = await osb('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody('small', { fail: 'provision-async', polls: 1 }));
    assert.equal(r.status, 202);
    const polls = await pollUntilDone(`/v2/service_instances/${id}`, r.json.operation);
    assert.deepEqual(
      polls.map((p) => p.json.state),
      ['in progress', 'failed'],
    );
    assert.match(polls[1]!.json.description, /provision failed/);
    assert.equal((await osb('GET', `/v2/service_instances/${id}`)).status, 404);
    assert.equal((await osb('DELETE', `/v2/service_instances/${id}?${ids('small')}&accepts_incomplete=true`)).status, 200);
  });

  test('update 500 changes nothing; deprovision 422 ConcurrencyError keeps the instance; deprovision-500 is 500', async () => {
    const id = randomUUID();
    assert.equal((await osb('PUT', `/v2/service_instances/${id}`, provisionBody('small', { fail: ['update', 'deprovision'], size: 1 }))).status, 201);
    const upd = await osb('PATCH', `/v2/service_instances/${id}`, { service_id: svc(), plan_id: plan('async'), parameters: { size: 2 } });
    assert.equal(upd.status, 500);
    const f = await osb('GET', `/v2/service_instances/${id}`);
    assert.equal(f.json.plan_id, plan('small'));
    assert.equal(f.json.parameters.size, 1);
    // A fail named only in the update's own parameters also fails it.
    const id2 = randomUUID();
    await osb('PUT', `/v2/service_instances/${id2}`, provisionBody('small'));
    assert.equal((await osb('PATCH', `/v2/service_instances/${id2}`, { service_id: svc(), parameters: { fail: 'update' } })).status, 500);
    assert.deepEqual((await osb('GET', `/v2/service_instances/${id2}`)).json.parameters, {});

    const del = await osb('DELETE', `/v2/service_instances/${id}?${ids('small')}&accepts_incomplete=true`);
    assert.equal(del.status, 422);
    assert.equal(del.json.error, 'ConcurrencyError');
    assert.equal((await osb('GET', `/v2/service_instances/${id}`)).status, 200);

    const id3 = randomUUID();
    await osb('PUT', `/v2/service_instances/${id3}`, provisionBody('small', { fail: 'deprovision-500' }));
    assert.equal((await osb('DELETE', `/v2/service_instances/${id3}?${ids('small')}`)).status, 500);
    assert.equal((await osb('GET', `/v2/service_instances/${id3}`)).status, 200);
  });

  test('deprovision-async: 202, then failed; the instance stays', async () => {
    const id = randomUUID();
    await osb('PUT', `/v2/service_instances/${id}`, provisionBody('small', { fail: 'deprovision-async', polls: 0 }));
    const del = await osb('DELETE', `/v2/service_instances/${id}?${ids('small')}&accepts_incomplete=true`);
    assert.equal(del.status, 202);
    assert.deepEqual(
      (await pollUntilDone(`/v2/service_instances/${id}`, del.json.operation)).map((p) => p.json.state),
      ['failed'],
    );
    assert.equal(b.state().instances.length, 1);
  });

  test('bind 500 (binding parameters or instance parameters); the orphan-mitigation unbind is 200; unbind 500', async () => {
    const id = randomUUID();
    await osb('PUT', `/v2/service_instances/${id}`, provisionBody('small'));
    const path = `/v2/service_instances/${id}/service_bindings/b-fail`;
    const r = await osb('PUT', `${path}?accepts_incomplete=true`, bindBody('small', { fail: 'bind' }));
    assert.equal(r.status, 500);
    assert.equal((await osb('GET', path)).status, 404);
    assert.equal((await osb('DELETE', `${path}?${ids('small')}&accepts_incomplete=true`)).status, 200);
    assert.equal((await osb('DELETE', `${path}?${ids('small')}&accepts_incomplete=true`)).status, 410);

    const id2 = randomUUID();
    await osb('PUT', `/v2/service_instances/${id2}`, provisionBody('small', { fail: 'bind' }));
    assert.equal((await osb('PUT', `/v2/service_instances/${id2}/service_bindings/b2`, bindBody('small'))).status, 500);

    const p3 = `/v2/service_instances/${id}/service_bindings/b3`;
    assert.equal((await osb('PUT', p3, bindBody('small', { fail: 'unbind' }))).status, 201);
    assert.equal((await osb('DELETE', `${p3}?${ids('small')}`)).status, 500);
    assert.equal((await osb('GET', p3)).status, 200);
  });

  test('bind-async: 202, then binding last_operation failed; nothing to fetch', async () => {
    const id = randomUUID();
    await osb('PUT', `/v2/service_instances/${id}`, provisionBody('small'));
    const path = `/v2/service_instances/${id}/service_bindings/b-async-fail`;
    const r = await osb('PUT', `${path}?accepts_incomplete=true`, bindBody('small', { fail: 'bind-async', polls: 0 }));
    assert.equal(r.status, 202);
    const polls = await pollUntilDone(path, r.json.operation);
    assert.deepEqual(
      polls.map((p) => p.json.state),
      ['failed'],
    );
    assert.match(polls[0]!.json.description, /bind failed/);
    assert.equal((await osb('GET', path)).status, 404);
  });

  test('delay_ms holds the answer back (for platform timeouts)', async () => {
    const t0 = Date.now();
    assert.equal((await osb('PUT', `/v2/service_instances/${randomUUID()}`, provisionBody('small', { delay_ms: 300 }))).status, 201);
    assert.ok(Date.now() - t0 >= 290);
  });
});

test('as a child process: PORT=0 prints "listening on <port>", settings from the env (credentials, CATALOG_EXTRA)', async () => {
  const child = await spawnFakeBroker({
    BROKER_USERNAME: 'platform',
    BROKER_PASSWORD: 'pa55',
    CATALOG_EXTRA: JSON.stringify([{ id: 'plan-extra', name: 'extra', description: 'From the env.' }]),
  });
  try {
    const get = (auth: string) =>
      fetch(`${child.url}/v2/catalog`, { headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'x-broker-api-version': '2.15' } });
    assert.equal((await get('broker:broker-secret')).status, 401);
    const r = await get('platform:pa55');
    assert.equal(r.status, 200);
    const cat: any = await r.json();
    assert.deepEqual(
      cat.services[0].plans.map((p: any) => p.name),
      ['small', 'async', 'fails', 'extra'],
    );
    const req = await fetch(`${child.url}/admin/requests`, { headers: { authorization: `Basic ${Buffer.from('platform:pa55').toString('base64')}` } });
    assert.deepEqual(
      ((await req.json()) as any[]).map((e) => [e.user, e.status]),
      [
        ['broker', 401],
        ['platform', 200],
      ],
    );
    assert.match(child.stderr(), /GET \/v2\/catalog -> 200/);
  } finally {
    await child.close();
  }
});

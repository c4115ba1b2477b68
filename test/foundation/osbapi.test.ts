// The foundation as an OSB platform (issue 19; docs/design/services.md §3,
// §6.3 tests 9 and 10), over CC v3 with no cf CLI, against the fake broker of
// test/fixtures/osb-broker run in this process: what every request carries,
// CC's jobs (POLLING while the broker works, Retry-After honoured, resumed
// after a restart), orphan mitigation after a failed provision or bind and
// none where OSB forbids it, CC's errors for bad input, VCAP_SERVICES of a
// managed binding, and the clean-ups at the broker when an app or a space
// goes.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDaemon, stopDaemon } from '../../src/foundation/daemon';
import type { RunningFoundation } from '../../src/foundation/server';
import { freePort } from '../../src/foundation/supervisor';
import { startFakeBroker, type BrokerRequest, type FakeBroker } from '../helpers/osb-broker';
import { Api, cleanup, startTestFoundation, tempDir, until } from './helpers';
import { alive, killMarked } from './supervisor-helpers';

const ASYNC_ID = 'f4ke-db00-0000-4000-8000-0000000000a2';

describe('OSBAPI: the foundation as the platform of a broker', { timeout: 300_000 }, () => {
  let broker: FakeBroker;
  let f: RunningFoundation | undefined;
  let api: Api;
  let dataDir: string;
  let spaceGuid: string;
  let userId: string;
  const plans: Record<string, string> = {};

  const requestsFor = (guid: string): BrokerRequest[] => broker.log.filter((r) => r.path.includes(guid));
  const instance = async (guid: string) => (await api.get(`/v3/service_instances/${guid}`)).json;
  /** POST /v3/service_instances (managed); resolves to the answer, the instance's guid and its job's Location. */
  const provision = async (name: string, plan: string, parameters?: unknown, space = spaceGuid) => {
    const res = await api.post('/v3/service_instances', {
      type: 'managed',
      name,
      relationships: { space: { data: { guid: space } }, service_plan: { data: { guid: plans[plan] ?? plan } } },
      ...(parameters !== undefined ? { parameters } : {}),
    });
    const list = (await api.get(`/v3/service_instances?names=${name}&space_guids=${space}`)).json.resources;
    return { res, guid: list[0]?.guid as string, location: res.headers.location as string };
  };
  /** A managed instance of plan small, created and checked COMPLETE. */
  const ready = async (name: string, parameters?: unknown, space = spaceGuid) => {
    const p = await provision(name, 'small', parameters, space);
    assert.equal(p.res.status, 202, p.res.text);
    assert.equal((await api.job(p.location)).state, 'COMPLETE');
    return p.guid;
  };
  const bindKey = (si: string, name: string, parameters?: unknown) =>
    api.post('/v3/service_credential_bindings', {
      type: 'key',
      name,
      relationships: { service_instance: { data: { guid: si } } },
      ...(parameters !== undefined ? { parameters } : {}),
    });
  const newApp = async (name: string, space = spaceGuid) =>
    (await api.post('/v3/apps', { name, relationships: { space: { data: { guid: space } } } })).json as { guid: string };

  before(async () => {
    broker = await startFakeBroker();
    dataDir = tempDir();
    f = await startTestFoundation(dataDir);
    api = await Api.connect(f);
    userId = JSON.parse(Buffer.from(api.token.split('.')[1]!, 'base64url').toString()).user_id;
    spaceGuid = (await api.space()).guid;
    const reg = await api.post('/v3/service_brokers', {
      name: 'fake',
      url: broker.url,
      authentication: { type: 'basic', credentials: { username: broker.username, password: broker.password } },
    });
    assert.equal(reg.status, 202, reg.text);
    assert.equal((await api.job(reg.headers.location as string)).state, 'COMPLETE');
    for (const p of (await api.get('/v3/service_plans?service_broker_names=fake')).json.resources) plans[p.name] = p.guid;
    assert.deepEqual(Object.keys(plans).sort(), ['async', 'fails', 'small']);
  });
  after(async () => {
    await f?.close();
    await broker?.close();
    if (dataDir) cleanup(dataDir);
  });

  test('every request: X-Broker-API-Version 2.15, basic auth, a request identity; user operations name the user', async () => {
    const si = await ready('headers-db', { size: 3 });
    const key = await bindKey(si, 'headers-key', { role: 'ro' });
    assert.equal((await api.job(key.headers.location as string)).state, 'COMPLETE');
    const reqs = requestsFor(si);
    const put = reqs.find((r) => r.method === 'PUT' && !r.path.includes('service_bindings'))!;
    const bind = reqs.find((r) => r.method === 'PUT' && r.path.includes('service_bindings'))!;
    assert.ok(put && bind, JSON.stringify(reqs));
    assert.deepEqual(put.body.parameters, { size: 3 });
    assert.deepEqual(bind.body.parameters, { role: 'ro' });
    assert.equal(put.body.context.platform, 'cloudfoundry');
    assert.equal(put.body.context.space_guid, spaceGuid);
    assert.equal(put.body.context.instance_name, 'headers-db');
    for (const r of [put, bind, ...broker.log.filter((x) => x.path === '/v2/catalog')]) {
      assert.equal(r.apiVersion, '2.15');
      assert.equal(r.user, broker.username);
      assert.ok(r.requestIdentity && r.requestIdentity.length >= 16, `request identity on ${r.method} ${r.path}`);
    }
    const ids = broker.log.map((r) => r.requestIdentity);
    assert.equal(new Set(ids).size, ids.length, 'a fresh request identity per request');
    for (const r of [put, bind]) {
      assert.equal(r.originatingIdentity?.platform, 'cloudfoundry');
      assert.match(r.originatingIdentity!.raw, /^cloudfoundry [A-Za-z0-9+/=]+$/);
      assert.deepEqual(r.originatingIdentity!.value, { user_id: userId });
    }
  });

  test('provision 500: job FAILED with a CC error, create failed, and the broker gets the orphan-mitigation DELETE (no user identity)', async () => {
    const p = await provision('failing-db', 'fails');
    assert.equal(p.res.status, 202);
    const job = await api.job(p.location);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.errors.length, 1);
    assert.deepEqual(Object.keys(job.errors[0]).sort(), ['code', 'detail', 'title']);
    assert.equal(job.errors[0].title, 'CF-ServiceBrokerBadResponse');
    assert.equal(job.errors[0].code, 10001);
    assert.equal(job.errors[0].detail, 'Service broker error: fake-db: provisioning broke half-way (plan fails / parameters.fail).');
    const si = await instance(p.guid);
    assert.equal(si.last_operation.type, 'create');
    assert.equal(si.last_operation.state, 'failed');
    const del = await until(async () => requestsFor(p.guid).find((r) => r.method === 'DELETE'), 10_000, 'orphan-mitigation DELETE');
    assert.equal(del.query.service_id, 'f4ke-db00-0000-4000-8000-000000000001');
    assert.equal(del.originatingIdentity, null, 'orphan mitigation is the platform, not the user');
    assert.equal(del.apiVersion, '2.15');
    assert.equal(del.status, 200);
  });

  test('bind 500: the binding fails and the broker gets an unbind', async () => {
    const si = await ready('bind-fails-db');
    const res = await bindKey(si, 'bad-key', { fail: 'bind' });
    assert.equal(res.status, 202, res.text);
    const job = await api.job(res.headers.location as string);
    assert.equal(job.state, 'FAILED');
    const put = requestsFor(si).find((r) => r.method === 'PUT' && r.path.includes('/service_bindings/'))!;
    assert.equal(put.status, 500);
    const del = await until(async () => requestsFor(si).find((r) => r.method === 'DELETE' && r.path === put.path), 10_000, 'unbind after the failed bind');
    assert.equal(del.originatingIdentity, null);
  });

  test('update 500: nothing more is sent, the plan stays, last_operation update failed', async () => {
    const si = await ready('update-fails-db');
    const res = await api.patch(`/v3/service_instances/${si}`, {
      relationships: { service_plan: { data: { guid: plans.async } } },
      parameters: { fail: 'update' },
    });
    assert.equal(res.status, 202, res.text);
    const job = await api.job(res.headers.location as string);
    assert.equal(job.state, 'FAILED');
    const got = await instance(si);
    assert.equal(got.relationships.service_plan.data.guid, plans.small);
    assert.deepEqual([got.last_operation.type, got.last_operation.state], ['update', 'failed']);
    const patch = requestsFor(si).findIndex((r) => r.method === 'PATCH');
    assert.ok(patch >= 0);
    // Orphan mitigation starts at once when there is any; a second is plenty to see none.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(
      requestsFor(si)
        .slice(patch + 1)
        .map((r) => `${r.method} ${r.path}`),
      [],
    );
  });

  test('deprovision 422 ConcurrencyError: job FAILED, the instance stays, no retry', async () => {
    const si = await ready('busy-db', { fail: 'deprovision' });
    const res = await api.del(`/v3/service_instances/${si}`);
    assert.equal(res.status, 202, res.text);
    const job = await api.job(res.headers.location as string);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.errors[0].title, 'CF-ServiceBrokerRequestRejected');
    assert.match(job.errors[0].detail, /^Service broker error: /);
    const got = await api.get(`/v3/service_instances/${si}`);
    assert.equal(got.status, 200);
    assert.deepEqual([got.json.last_operation.type, got.json.last_operation.state], ['delete', 'failed']);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(requestsFor(si).filter((r) => r.method === 'DELETE').length, 1);
  });

  test('async provision: 202 with the job already POLLING, Retry-After between polls, then COMPLETE and create succeeded', async () => {
    const p = await provision('async-db', 'async', { retry_after: 2, polls: 2 });
    assert.equal(p.res.status, 202, p.res.text);
    const first = (await api.get(p.location)).json;
    assert.equal(first.state, 'POLLING');
    assert.equal(first.operation, 'service_instance.create');
    const inProgress = await instance(p.guid);
    assert.deepEqual([inProgress.last_operation.type, inProgress.last_operation.state], ['create', 'in progress']);
    const job = await until(
      async () => {
        const j = (await api.get(p.location)).json;
        return j.state === 'COMPLETE' || j.state === 'FAILED' ? j : undefined;
      },
      60_000,
      'async provision job',
    );
    assert.equal(job.state, 'COMPLETE', JSON.stringify(job.errors));
    const done = await instance(p.guid);
    assert.deepEqual([done.last_operation.type, done.last_operation.state], ['create', 'succeeded']);
    const polls = requestsFor(p.guid).filter((r) => r.path.endsWith('/last_operation'));
    assert.equal(polls.length, 3, polls.map((r) => r.time).join(', '));
    assert.ok(
      polls.every((r) => r.query.operation && r.query.plan_id === ASYNC_ID && r.query.service_id),
      JSON.stringify(polls.map((r) => r.query)),
    );
    for (let i = 1; i < polls.length; i++) {
      const gap = Date.parse(polls[i]!.time) - Date.parse(polls[i - 1]!.time);
      assert.ok(gap >= 1900, `Retry-After: 2 honoured between polls ${i - 1} and ${i} (${gap} ms)`);
    }
  });

  test("async provision whose last_operation says failed: job FAILED with the broker's description", async () => {
    const p = await provision('async-fails-db', 'async', { fail: 'provision-async', polls: 1, retry_after: 0 });
    assert.equal(p.res.status, 202);
    const job = await until(
      async () => {
        const j = (await api.get(p.location)).json;
        return j.state === 'COMPLETE' || j.state === 'FAILED' ? j : undefined;
      },
      30_000,
      'failed async provision',
    );
    assert.equal(job.state, 'FAILED');
    assert.match(job.errors[0].detail, /fake-db: provision failed, as parameters.fail asked/);
    const si = await instance(p.guid);
    assert.deepEqual([si.last_operation.type, si.last_operation.state], ['create', 'failed']);
    assert.match(si.last_operation.description, /fake-db: provision failed/);
  });

  test('a POLLING job survives a foundation restart and completes', async () => {
    const p = await provision('restart-db', 'async', { polls: 4, retry_after: 1 });
    assert.equal((await api.get(p.location)).json.state, 'POLLING');
    await until(async () => requestsFor(p.guid).some((r) => r.path.endsWith('/last_operation')), 10_000, 'a first poll');
    const jobPath = new URL(p.location).pathname;
    await f!.close();
    f = undefined;
    const pollsWhileDown = requestsFor(p.guid).filter((r) => r.path.endsWith('/last_operation')).length;
    f = await startTestFoundation(dataDir);
    api = await Api.connect(f);
    const job = await until(
      async () => {
        const j = (await api.get(jobPath)).json;
        return j.state === 'COMPLETE' || j.state === 'FAILED' ? j : undefined;
      },
      60_000,
      'the resumed job',
    );
    assert.equal(job.state, 'COMPLETE', JSON.stringify(job.errors));
    assert.ok(requestsFor(p.guid).filter((r) => r.path.endsWith('/last_operation')).length > pollsWhileDown, 'polled again after the restart');
    const si = await instance(p.guid);
    assert.deepEqual([si.last_operation.type, si.last_operation.state], ['create', 'succeeded']);
  });

  test("VCAP_SERVICES in /v3/apps/:guid/env for a managed binding: CC's entry", async () => {
    const si = await ready('vcap-db');
    const tagged = await api.patch(`/v3/service_instances/${si}`, { tags: ['mine'] });
    assert.equal(tagged.status, 200, tagged.text);
    const app = await newApp('vcap-app');
    const res = await api.post('/v3/service_credential_bindings', {
      type: 'app',
      name: 'the-db',
      relationships: { service_instance: { data: { guid: si } }, app: { data: { guid: app.guid } } },
    });
    assert.equal(res.status, 202, res.text);
    assert.equal((await api.job(res.headers.location as string)).state, 'COMPLETE');
    const binding = (await api.get(`/v3/service_credential_bindings?app_guids=${app.guid}`)).json.resources[0];
    assert.ok(
      broker.state().bindings.some((b: any) => b.id === binding.guid && b.app_guid === app.guid),
      'the broker holds the binding, for the app',
    );
    const env = (await api.get(`/v3/apps/${app.guid}/env`)).json;
    const vcap = env.system_env_json.VCAP_SERVICES;
    assert.deepEqual(Object.keys(vcap), ['fake-db']);
    assert.equal(vcap['fake-db'].length, 1);
    const entry = vcap['fake-db'][0];
    assert.deepEqual(entry, {
      label: 'fake-db',
      provider: null,
      plan: 'small',
      name: 'the-db',
      tags: ['fake', 'relational', 'mine'],
      instance_guid: si,
      instance_name: 'vcap-db',
      binding_guid: binding.guid,
      binding_name: 'the-db',
      credentials: entry.credentials,
      syslog_drain_url: null,
      volume_mounts: [],
    });
    assert.match(entry.credentials.uri, new RegExp(`^fakedb://user-${binding.guid}:pw@127\\.0\\.0\\.1:${broker.port}/${si}$`));
    assert.equal(entry.credentials.password, 'pw');
    const details = (await api.get(`/v3/service_credential_bindings/${binding.guid}/details`)).json;
    assert.deepEqual(details.credentials, entry.credentials);
  });

  test('fields[...] on GET /v3/service_instances: included with only the keys asked; bad fields → 400', async () => {
    await ready('fields-db');
    const res = await api.get(
      '/v3/service_instances?names=fields-db&fields[service_plan]=name,guid&fields[service_plan.service_offering]=name&fields[service_plan.service_offering.service_broker]=name,guid',
    );
    assert.equal(res.status, 200, res.text);
    const inc = res.json.included;
    assert.deepEqual(Object.keys(inc).sort(), ['service_brokers', 'service_offerings', 'service_plans']);
    assert.deepEqual(inc.service_plans, [{ name: 'small', guid: plans.small }]);
    assert.deepEqual(inc.service_offerings, [{ name: 'fake-db' }]);
    const brokerGuid = (await api.get('/v3/service_brokers?names=fake')).json.resources[0].guid;
    assert.deepEqual(inc.service_brokers, [{ name: 'fake', guid: brokerGuid }]);
    const bad = await api.get('/v3/service_instances?fields[service_plan.service_offering.service_broker]=name,url');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errors[0].title, 'CF-BadQueryParameter');
    const badKey = await api.get('/v3/service_instances?fields[space.nope]=name');
    assert.equal(badKey.status, 400);
    assert.equal(badKey.json.errors[0].title, 'CF-BadQueryParameter');
  });

  test("CC's errors before any broker call: parameters, plan, name, bound delete, key on user-provided", async () => {
    const before = broker.log.length;
    const notObj = await provision('bad-params', 'small', ['a']);
    assert.equal(notObj.res.status, 422);
    assert.match(notObj.res.json.errors[0].detail, /Parameters must be an object/);
    const noPlan = await provision('bad-plan', '00000000-0000-4000-8000-000000000000');
    assert.equal(noPlan.res.status, 422);
    assert.equal(noPlan.res.json.errors[0].detail, 'Invalid service plan. Ensure that the service plan exists, is available, and you have access to it.');
    assert.equal(broker.log.length, before, 'nothing reached the broker');

    const si = await ready('taken-db');
    const dup = await provision('taken-db', 'small');
    assert.equal(dup.res.status, 422);
    assert.equal(dup.res.json.errors[0].code, 60002);
    assert.equal(dup.res.json.errors[0].title, 'CF-ServiceInstanceNameTaken');

    const key = await bindKey(si, 'k1');
    assert.equal((await api.job(key.headers.location as string)).state, 'COMPLETE');
    const bound = await api.del(`/v3/service_instances/${si}`);
    assert.equal(bound.status, 422);
    assert.equal(bound.json.errors[0].code, 10006);
    assert.equal(bound.json.errors[0].title, 'CF-AssociationNotEmpty');
    const badBindParams = await bindKey(si, 'k2', 'x');
    assert.equal(badBindParams.status, 422);
    assert.match(badBindParams.json.errors[0].detail, /Parameters must be an object/);

    const ups = await api.post('/v3/service_instances', {
      type: 'user-provided',
      name: 'ups-db',
      credentials: { a: 1 },
      relationships: { space: { data: { guid: spaceGuid } } },
    });
    assert.equal(ups.status, 201, ups.text);
    const upsKey = await bindKey(ups.json.guid, 'k');
    assert.equal(upsKey.status, 422);
    assert.equal(upsKey.json.errors[0].detail, "Service credential bindings of type 'key' are not supported for user-provided service instances.");
  });

  test('while an operation runs: writes refused (CC 422); an async key POLLs then gets its credentials by a fetch; async delete', async () => {
    const p = await provision('busy-async-db', 'async', { polls: 3, retry_after: 1, async: ['provision', 'bind', 'deprovision'] });
    assert.equal(p.res.status, 202, p.res.text);
    const busy = 'There is an operation in progress for the service instance.';
    for (const res of [
      await api.patch(`/v3/service_instances/${p.guid}`, { parameters: { x: 1 } }),
      await api.del(`/v3/service_instances/${p.guid}`),
      await bindKey(p.guid, 'early-key'),
    ]) {
      assert.equal(res.status, 422, res.text);
      assert.equal(res.json.errors[0].detail, busy);
      assert.equal(res.json.errors[0].title, 'CF-UnprocessableEntity');
    }
    assert.equal((await api.get(p.location)).json.state, 'POLLING', 'the refused writes left the create job alone');
    await until(async () => (await instance(p.guid)).last_operation.state === 'succeeded', 30_000, 'create succeeded');

    const key = await bindKey(p.guid, 'late-key');
    assert.equal(key.status, 202, key.text);
    assert.equal((await api.get(key.headers.location as string)).json.state, 'POLLING');
    const kb = (await api.get(`/v3/service_credential_bindings?names=late-key`)).json.resources[0];
    assert.equal((await api.get(`/v3/service_credential_bindings/${kb.guid}/details`)).status, 404, 'no details before the broker finished');
    await until(async () => ['COMPLETE', 'FAILED'].includes((await api.get(key.headers.location as string)).json.state), 30_000, 'key job');
    assert.equal((await api.get(key.headers.location as string)).json.state, 'COMPLETE');
    const details = (await api.get(`/v3/service_credential_bindings/${kb.guid}/details`)).json;
    assert.equal(details.credentials.uri, `fakedb://user-${kb.guid}:pw@127.0.0.1:${broker.port}/${p.guid}`);
    assert.ok(requestsFor(kb.guid).some((r) => r.method === 'GET' && r.path === `/v2/service_instances/${p.guid}/service_bindings/${kb.guid}`));

    const delKey = await api.del(`/v3/service_credential_bindings/${kb.guid}`);
    assert.equal((await api.job(delKey.headers.location as string)).state, 'COMPLETE');
    const del = await api.del(`/v3/service_instances/${p.guid}`);
    assert.equal(del.status, 202, del.text);
    assert.equal((await api.get(del.headers.location as string)).json.state, 'POLLING');
    assert.deepEqual([(await instance(p.guid)).last_operation.type, (await instance(p.guid)).last_operation.state], ['delete', 'in progress']);
    await until(async () => ['COMPLETE', 'FAILED'].includes((await api.get(del.headers.location as string)).json.state), 30_000, 'delete job');
    assert.equal((await api.get(del.headers.location as string)).json.state, 'COMPLETE');
    assert.equal((await api.get(`/v3/service_instances/${p.guid}`)).status, 404);
  });

  test('instance and binding parameters are fetched from the broker', async () => {
    const si = await ready('params-db', { size: 'xl' });
    const got = await api.get(`/v3/service_instances/${si}/parameters`);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.json, { size: 'xl' });
    const key = await bindKey(si, 'pk', { role: 'admin' });
    assert.equal((await api.job(key.headers.location as string)).state, 'COMPLETE');
    const kb = (await api.get(`/v3/service_credential_bindings?names=pk&service_instance_guids=${si}`)).json.resources[0];
    const bp = await api.get(`/v3/service_credential_bindings/${kb.guid}/parameters`);
    assert.equal(bp.status, 200, bp.text);
    assert.deepEqual(bp.json, { role: 'admin' });
    assert.ok(requestsFor(si).some((r) => r.method === 'GET' && r.path === `/v2/service_instances/${si}`));
  });

  test("a deleted app's managed binding is unbound at the broker", async () => {
    const si = await ready('app-gone-db');
    const app = await newApp('doomed-app');
    const res = await api.post('/v3/service_credential_bindings', {
      type: 'app',
      relationships: { service_instance: { data: { guid: si } }, app: { data: { guid: app.guid } } },
    });
    assert.equal((await api.job(res.headers.location as string)).state, 'COMPLETE');
    const b = (await api.get(`/v3/service_credential_bindings?app_guids=${app.guid}`)).json.resources[0];
    const del = await api.del(`/v3/apps/${app.guid}`);
    assert.equal(del.status, 202, del.text);
    await api.job(del.headers.location as string);
    const unbind = await until(
      async () => broker.log.find((r) => r.method === 'DELETE' && r.path === `/v2/service_instances/${si}/service_bindings/${b.guid}`),
      10_000,
      'unbind of the deleted app',
    );
    assert.equal(unbind.status, 200);
    assert.equal(broker.state().bindings.filter((x: any) => x.id === b.guid).length, 0);
  });

  test('a deleted space takes its managed instances (and their bindings) away at the broker', async () => {
    const org = (await api.get('/v3/organizations?names=org')).json.resources[0];
    const space = await api.post('/v3/spaces', { name: 'doomed-space', relationships: { organization: { data: { guid: org.guid } } } });
    assert.equal(space.status, 201, space.text);
    const si = await ready('space-gone-db', undefined, space.json.guid);
    const key = await bindKey(si, 'sk');
    assert.equal((await api.job(key.headers.location as string)).state, 'COMPLETE');
    const del = await api.del(`/v3/spaces/${space.json.guid}`);
    assert.equal(del.status, 202, del.text);
    assert.equal((await api.job(del.headers.location as string)).state, 'COMPLETE');
    await until(
      async () => requestsFor(si).some((r) => r.method === 'DELETE' && r.path === `/v2/service_instances/${si}` && r.status === 200),
      15_000,
      'deprovision of the deleted space',
    );
    assert.ok(requestsFor(si).some((r) => r.method === 'DELETE' && r.path.includes('/service_bindings/')));
    assert.equal((await api.get(`/v3/service_instances/${si}`)).status, 404);
  });
});

describe('OSBAPI: a POLLING job after the foundation daemon is killed (SIGKILL)', { timeout: 120_000 }, () => {
  const CLI = resolve(__dirname, '../../../dist/cli.js');
  let broker: FakeBroker;
  const dir = tempDir();

  after(async () => {
    await stopDaemon(dir).catch(() => undefined);
    killMarked(dir);
    await broker?.close();
    cleanup(dir);
  });

  test('the next start polls the broker again and the job completes', async () => {
    broker = await startFakeBroker();
    const info = await startDaemon({ dataDir: dir, apiPort: await freePort(), routerPort: await freePort(), cliPath: CLI });
    let api = await Api.connect({ ...info, dataDir: dir, close: async () => undefined });
    const reg = await api.post('/v3/service_brokers', {
      name: 'fake',
      url: broker.url,
      authentication: { type: 'basic', credentials: { username: broker.username, password: broker.password } },
    });
    assert.equal((await api.job(reg.headers.location as string)).state, 'COMPLETE');
    const plan = (await api.get('/v3/service_plans?names=async')).json.resources[0].guid;
    const res = await api.post('/v3/service_instances', {
      type: 'managed',
      name: 'killed-db',
      parameters: { polls: 4, retry_after: 1 },
      relationships: { space: { data: { guid: (await api.space()).guid } }, service_plan: { data: { guid: plan } } },
    });
    assert.equal(res.status, 202, res.text);
    const jobPath = new URL(res.headers.location as string).pathname;
    assert.equal((await api.get(jobPath)).json.state, 'POLLING');
    const si = (await api.get('/v3/service_instances?names=killed-db')).json.resources[0].guid as string;
    const polls = () => broker.log.filter((r) => r.path === `/v2/service_instances/${si}/last_operation`).length;
    await until(async () => polls() >= 1, 10_000, 'a first poll');

    process.kill(info.pid, 'SIGKILL');
    await until(async () => !alive(info.pid), 5000, 'the daemon to die');
    const whileDead = polls();
    assert.ok(
      broker.state().instances.some((i: any) => i.id === si && i.operation?.state === 'in progress'),
      'the broker is still working',
    );

    // Fresh ports: the data dir is what carries the job over, not the ports.
    const again = await startDaemon({ dataDir: dir, apiPort: await freePort(), routerPort: await freePort(), cliPath: CLI });
    api = await Api.connect({ ...again, dataDir: dir, close: async () => undefined });
    const job = await until(
      async () => {
        const j = (await api.get(jobPath)).json;
        return j.state === 'COMPLETE' || j.state === 'FAILED' ? j : undefined;
      },
      60_000,
      'the resumed job',
    );
    assert.equal(job.state, 'COMPLETE', JSON.stringify(job.errors));
    assert.ok(polls() > whileDead, 'the new daemon polled the broker');
    const got = (await api.get(`/v3/service_instances/${si}`)).json;
    assert.deepEqual([got.last_operation.type, got.last_operation.state], ['create', 'succeeded']);
  });
});

// The real cf CLI with a managed service, as a user drives one (issue 19,
// acceptance; docs/design/services.md §6.3 tests 4–8): the fake OSB broker
// of test/fixtures/osb-broker is `cf push`ed onto the foundation and reached
// through its route; `cf create-service-broker --space-scoped` registers it;
// then create-service (asynchronous: "Create in progress", POLLING, later
// "create succeeded"), bind-service (VCAP_SERVICES read from a running app),
// service keys, update, rename, unbind, delete, a failed provision with its
// orphan-mitigation DELETE, purge and delete-service-broker, each with CC's
// states, texts and exit codes. What reached the broker is read from its
// request log (GET /admin/requests through the route).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import type { BrokerRequest } from '../helpers/osb-broker';
import { osbBrokerDir } from '../helpers/osb-broker';
import { cleanup, nodeApp, until } from '../foundation/helpers';
import { cfSession, NO_CF, requireCf, type CfSession } from './cf';

const BROKER_AUTH = `Basic ${Buffer.from('broker:broker-secret').toString('base64')}`;

describe('cf CLI: a managed service through a broker pushed onto the foundation', { timeout: 900_000 }, () => {
  let s: CfSession | undefined;
  let brokerDir = '';
  let appDir = '';
  let brokerUrl = '';
  let userId = '';

  const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
  const curl = async (path: string) => JSON.parse((await s!.ok(['curl', path])).stdout);
  const siGuid = async (name: string): Promise<string> => (await curl(`/v3/service_instances?names=${name}`)).resources[0]?.guid;
  const brokerLog = async (): Promise<BrokerRequest[]> => {
    const r = await httpGet(`${brokerUrl}/admin/requests`, { headers: { authorization: BROKER_AUTH } });
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body);
  };
  const requestsFor = async (guid: string) => (await brokerLog()).filter((r) => r.path.includes(guid));
  /** `cf service NAME` until its status line matches. */
  const serviceStatus = (name: string, status: RegExp, timeoutMs = 60_000) =>
    until(
      async () => {
        const r = await s!.ok(['service', name]);
        return status.test(r.stdout) ? r.stdout : undefined;
      },
      timeoutMs,
      `cf service ${name}: ${status}`,
      500,
    );

  before(async () => {
    const cf = requireCf();
    if (!cf) return;
    s = await cfSession(cf);
    brokerDir = join(mkdtempSync(join(tmpdir(), 'cfpush-osb-')), 'osb-broker');
    cpSync(osbBrokerDir, brokerDir, { recursive: true });
    appDir = nodeApp('vcap-app', `require('http').createServer((req, res) => res.end(process.env.VCAP_SERVICES || '{}')).listen(process.env.PORT);`);
    brokerUrl = `http://osb-broker.localhost:${s.c.routerPort}`;
    const token = (await s.ok(['oauth-token'])).stdout.trim().replace(/^bearer /i, '');
    userId = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).user_id;
  });
  after(async () => {
    await s?.cleanup();
    if (brokerDir) rmSync(join(brokerDir, '..'), { recursive: true, force: true });
    if (appDir) cleanup(appDir);
  });

  test('the broker app is pushed and registered space-scoped; its plans are in the marketplace', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['push'], { cwd: brokerDir });
    // The app answers through its route (admin endpoint, basic auth).
    assert.deepEqual(await brokerLog(), []);
    const reg = await s.ok(['create-service-broker', 'fake-broker', 'broker', 'broker-secret', brokerUrl, '--space-scoped']);
    assert.match(reg.stdout, /OK/);
    const catalog = (await brokerLog()).find((r) => r.path === '/v2/catalog')!;
    assert.equal(catalog.apiVersion, '2.15');
    assert.equal(catalog.user, 'broker');
    assert.match((await s.ok(['service-brokers'])).stdout, new RegExp(`fake-broker\\s+${brokerUrl.replace(/[.]/g, '\\.')}`));
    assert.match((await s.ok(['marketplace'])).stdout, /fake-db\s+small, async, fails\s+A fake database for tests.*\s+fake-broker/);
    const e = (await s.ok(['marketplace', '-e', 'fake-db'])).stdout;
    assert.match(e, /broker: fake-broker/);
    assert.match(e, /small\s+Synchronous: every operation completes in its answer\.\s+free/);
    assert.match(e, /fails\s+Provisioning answers 500.*\s+paid/);
  });

  test('create-service (asynchronous): "Create in progress", then "create succeeded"; -c reaches the broker; --wait; cf services', async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.ok(['create-service', 'fake-db', 'async', 'db', '-c', '{"polls":2,"size":"m"}', '-t', 'mine, yours']);
    assert.match(r.stdout, /Create in progress\. Use 'cf services' or 'cf service db' to check operation status\./);
    const guid = await siGuid('db');
    // The instance waits on the broker: the job stopped at POLLING, the instance is in progress.
    assert.match((await s.ok(['service', 'db'])).stdout, /status:\s+create (in progress|succeeded)/);
    const shown = await serviceStatus('db', /status:\s+create succeeded/);
    assert.match(shown, /offering:\s+fake-db/);
    assert.match(shown, /plan:\s+async/);
    assert.match(shown, /broker:\s+fake-broker/);
    assert.match(shown, /tags:\s+mine, yours/);
    const reqs = await requestsFor(guid);
    const put = reqs.find((q) => q.method === 'PUT')!;
    assert.equal(put.query.accepts_incomplete, 'true');
    assert.deepEqual(put.body.parameters, { polls: 2, size: 'm' });
    assert.equal(put.body.context.instance_name, 'db');
    assert.equal(put.originatingIdentity?.platform, 'cloudfoundry');
    assert.deepEqual(put.originatingIdentity?.value, { user_id: userId });
    assert.ok(reqs.filter((q) => q.path.endsWith('/last_operation')).length >= 3, 'polled until the broker said succeeded');

    const w = await s.ok(['create-service', 'fake-db', 'async', 'db2', '-c', '{"polls":1}', '--wait']);
    assert.match(w.stdout, /Service instance db2 created\./);
    assert.match((await s.ok(['service', 'db2'])).stdout, /status:\s+create succeeded/);

    const list = (await s.ok(['services'])).stdout;
    assert.match(list, /db\s+fake-db\s+async\s+create succeeded\s+fake-broker/);
    assert.match(list, /db2\s+fake-db\s+async\s+create succeeded\s+fake-broker/);
  });

  test('-c that is not JSON is refused by the CLI: nothing reaches the foundation or the broker', async (t) => {
    if (!s) return t.skip(NO_CF);
    const before = (await brokerLog()).length;
    const r = await s.run(['create-service', 'fake-db', 'small', 'notjson-db', '-c', 'notjson']);
    assert.notEqual(r.code, 0);
    assert.match(out(r), /Invalid configuration provided for -c flag/);
    assert.equal((await curl('/v3/service_instances?names=notjson-db')).resources.length, 0);
    assert.equal((await brokerLog()).length, before);
  });

  test('bind-service -c --binding-name; twice is "already bound"; after a restart the app sees VCAP_SERVICES from the broker', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['push', 'vcap-app', '-p', appDir, '-m', '64M']);
    const r = await s.ok(['bind-service', 'vcap-app', 'db', '-c', '{"role":"rw"}', '--binding-name', 'mydb']);
    assert.match(r.stdout, /OK/);
    const again = await s.run(['bind-service', 'vcap-app', 'db']);
    assert.equal(again.code, 0, out(again));
    assert.match(out(again), /App vcap-app is already bound to service instance db\./);
    const guid = await siGuid('db');
    const bind = (await requestsFor(guid)).filter((q) => q.method === 'PUT' && q.path.includes('/service_bindings/'));
    assert.equal(bind.length, 1, 'the second bind-service sent nothing to the broker');
    assert.deepEqual(bind[0]!.body.parameters, { role: 'rw' });
    assert.deepEqual(bind[0]!.originatingIdentity?.value, { user_id: userId });
    const bindingGuid = bind[0]!.path.split('/').pop()!;

    await s.ok(['restart', 'vcap-app']);
    const vcap = JSON.parse((await httpGet(`http://vcap-app.localhost:${s.c.routerPort}/`)).body);
    assert.deepEqual(Object.keys(vcap), ['fake-db']);
    const entry = vcap['fake-db'][0];
    assert.equal(entry.label, 'fake-db');
    assert.equal(entry.plan, 'async');
    assert.equal(entry.name, 'mydb');
    assert.equal(entry.binding_name, 'mydb');
    assert.equal(entry.instance_name, 'db');
    assert.equal(entry.binding_guid, bindingGuid);
    assert.deepEqual(entry.tags, ['fake', 'relational', 'mine', 'yours']);
    assert.equal(entry.credentials.uri, `fakedb://user-${bindingGuid}:pw@127.0.0.1:${entry.credentials.port}/${guid}`);
    assert.equal(entry.credentials.password, 'pw');
    assert.match((await s.ok(['service', 'db'])).stdout, /vcap-app\s+mydb\s+create succeeded/);
  });

  test('service keys: create (-c), duplicate "already exists", service-key JSON and --guid, service-keys, delete', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['create-service-key', 'db', 'k1', '-c', '{"ro":true}']);
    const dup = await s.run(['create-service-key', 'db', 'k1']);
    assert.equal(dup.code, 0, out(dup));
    assert.match(out(dup), /Service key k1 already exists/);
    const guid = await siGuid('db');
    const keyPut = (await requestsFor(guid)).filter(
      (q) => q.method === 'PUT' && q.path.includes('/service_bindings/') && q.body.bind_resource?.app_guid === undefined,
    );
    assert.equal(keyPut.length, 1);
    assert.deepEqual(keyPut[0]!.body.parameters, { ro: true });
    const keyGuid = keyPut[0]!.path.split('/').pop()!;

    const shown = (await s.ok(['service-key', 'db', 'k1'])).stdout;
    const json = JSON.parse(shown.slice(shown.indexOf('{')));
    assert.equal(json.credentials.uri, `fakedb://user-${keyGuid}:pw@127.0.0.1:${json.credentials.port}/${guid}`);
    assert.equal((await s.ok(['service-key', 'db', 'k1', '--guid'])).stdout.trim(), keyGuid);
    assert.match((await s.ok(['service-keys', 'db'])).stdout, /k1\s+create succeeded/);
    await s.ok(['delete-service-key', 'db', 'k1', '-f']);
    assert.ok((await requestsFor(keyGuid)).some((q) => q.method === 'DELETE' && q.status === 200));
    assert.match((await s.ok(['service-keys', 'db'])).stdout, /No service keys for service instance db/);
  });

  test('update-service -t and -p (asynchronous on the broker), rename-service keeps the binding', async (t) => {
    if (!s) return t.skip(NO_CF);
    const tags = await s.ok(['update-service', 'db', '-t', 'a, b']);
    assert.match(tags.stdout, /OK/);
    assert.match((await s.ok(['service', 'db'])).stdout, /tags:\s+a, b/);
    const guid = await siGuid('db');
    assert.equal((await requestsFor(guid)).filter((q) => q.method === 'PATCH').length, 0, 'tags alone need no broker');

    const plan = await s.ok(['update-service', 'db', '-p', 'small', '-c', '{"size":"l"}', '--wait']);
    assert.match(plan.stdout, /OK/);
    const shown = await serviceStatus('db', /status:\s+update succeeded/);
    assert.match(shown, /plan:\s+small/);
    const patch = (await requestsFor(guid)).find((q) => q.method === 'PATCH')!;
    assert.equal(patch.body.plan_id, 'f4ke-db00-0000-4000-8000-0000000000a1');
    assert.equal(patch.body.previous_values.plan_id, 'f4ke-db00-0000-4000-8000-0000000000a2');
    assert.deepEqual(patch.body.parameters, { size: 'l' });
    assert.deepEqual(patch.originatingIdentity?.value, { user_id: userId });

    await s.ok(['rename-service', 'db', 'db-renamed']);
    const renamed = (await s.ok(['service', 'db-renamed'])).stdout;
    assert.match(renamed, /vcap-app\s+mydb\s+create succeeded/);
    assert.equal(await siGuid('db-renamed'), guid);
  });

  test('delete-service of a bound instance fails (AssociationNotEmpty); unbind-service, then delete-service -w', async (t) => {
    if (!s) return t.skip(NO_CF);
    const bound = await s.run(['delete-service', 'db-renamed', '-f']);
    assert.notEqual(bound.code, 0);
    assert.match(out(bound), /Please delete the service_bindings, service_keys, and routes associations for your service_instances\./);
    const guid = await siGuid('db-renamed');
    await s.ok(['unbind-service', 'vcap-app', 'db-renamed']);
    const unbind = (await requestsFor(guid)).find((q) => q.method === 'DELETE' && q.path.includes('/service_bindings/'))!;
    assert.equal(unbind.status, 200);
    assert.deepEqual(unbind.originatingIdentity?.value, { user_id: userId });
    const del = await s.ok(['delete-service', 'db-renamed', '-f', '-w']);
    assert.match(del.stdout, /Service instance db-renamed deleted\./);
    assert.equal(await siGuid('db-renamed'), undefined);
    const deprov = (await requestsFor(guid)).filter((q) => q.method === 'DELETE' && !q.path.includes('/service_bindings/'));
    assert.equal(deprov.length, 1);
    assert.equal(deprov[0]!.query.accepts_incomplete, 'true');
    assert.deepEqual(deprov[0]!.originatingIdentity?.value, { user_id: userId });
    const state = JSON.parse((await httpGet(`${brokerUrl}/admin/state`, { headers: { authorization: BROKER_AUTH } })).body);
    assert.equal(
      state.instances.filter((i: { id: string }) => i.id === guid).length +
        state.bindings.filter((b: { instance_id: string }) => b.instance_id === guid).length,
      0,
      'the broker holds nothing of it any more',
    );
  });

  test('a failed provision: non-zero exit with the broker error, "create failed", orphan mitigation at the broker; purge asks nothing', async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.run(['create-service', 'fake-db', 'fails', 'bad']);
    assert.notEqual(r.code, 0);
    assert.match(out(r), /Service broker error: fake-db: provisioning broke half-way/);
    const guid = await siGuid('bad');
    const cleanupDelete = await until(async () => (await requestsFor(guid)).find((q) => q.method === 'DELETE'), 10_000, 'the orphan-mitigation DELETE', 250);
    assert.equal(cleanupDelete.originatingIdentity, null, 'orphan mitigation is not a user operation');
    assert.match((await s.ok(['services'])).stdout, /bad\s+fake-db\s+fails\s+create failed\s+fake-broker/);
    assert.match((await s.ok(['service', 'bad'])).stdout, /status:\s+create failed/);

    const seen = (await brokerLog()).length;
    const purge = await s.ok(['purge-service-instance', 'bad', '-f']);
    assert.match(purge.stdout, /OK/);
    assert.equal(await siGuid('bad'), undefined);
    // A moment for anything sent in the background (orphan mitigation starts at once).
    await new Promise((res) => setTimeout(res, 1500));
    assert.deepEqual(
      (await brokerLog()).slice(seen).map((q) => `${q.method} ${q.path}`),
      [],
    );
  });

  test('delete-service-broker refuses while instances are left, then removes the broker', async (t) => {
    if (!s) return t.skip(NO_CF);
    const refused = await s.run(['delete-service-broker', 'fake-broker', '-f']);
    assert.notEqual(refused.code, 0);
    assert.match(out(refused), /Can not remove brokers that have associated service instances: db2/);
    await s.ok(['delete-service', 'db2', '-f', '-w']);
    const ok = await s.ok(['delete-service-broker', 'fake-broker', '-f']);
    assert.match(ok.stdout, /OK/);
    // Only the built-in broker is left.
    assert.doesNotMatch((await s.ok(['service-brokers'])).stdout, /fake-broker/);
    assert.doesNotMatch((await s.ok(['marketplace'])).stdout, /fake-db/);
  });
});

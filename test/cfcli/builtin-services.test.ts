// The built-in broker as a Cloud Foundry user meets it, with the real cf CLI
// (issue 19, acceptance 1): marketplace → create-service <kind> → push the
// sample of examples/services-<kind> (npm cfenv and the usual client) →
// bind-service → start → the app's route answers with a value it wrote and
// read back; a service key's credentials work until the key is deleted; unbind
// and delete leave no login and, the last instance gone, no server behind.
// Instances, data and bindings outlive a restart and a kill -9 of the
// foundation; a server killed by hand comes back and the app reconnects.
// An engine whose package is missing skips naming it (fails in CI).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import type { Credentials, EngineKind } from '../../src/foundation/builtin-broker/engines/engine';
import { CLIENTS } from '../helpers/service-clients';
import { cfSession, exampleApp, NO_CF, requireCf, type CfSession } from './cf';

const required = !!process.env.CI || process.env.CFPUSH_REQUIRE_HOSTS === '1';

/** Does anything accept a connection on 127.0.0.1:port? */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('cf CLI: the built-in broker (postgresql, mysql, redis, rabbitmq)', { timeout: 1_200_000 }, () => {
  let s: CfSession | undefined;
  const curl = async (path: string) => JSON.parse((await s!.ok(['curl', path])).stdout);

  before(async () => {
    const cf = requireCf();
    if (cf) s = await cfSession(cf);
  });
  after(async () => s?.cleanup());

  test('marketplace lists the four offerings of broker cfpush, each with a free default plan', async (t) => {
    if (!s) return t.skip(NO_CF);
    const market = (await s.ok(['marketplace'])).stdout;
    for (const kind of ['postgresql', 'mysql', 'redis', 'rabbitmq']) assert.match(market, new RegExp(`^${kind}\\s+default\\s+.+\\s+cfpush\\s*$`, 'm'));
    const e = (await s.ok(['marketplace', '-e', 'postgresql'])).stdout;
    assert.match(e, /broker: cfpush/);
    assert.match(e, /default\s+PostgreSQL [\d.]+: one database on the local server\s+free/);
    // Bad input: an unknown offering or plan, -c that is not a JSON object; nothing is made.
    const offering = await s.run(['create-service', 'oracle', 'default', 'x1']);
    assert.notEqual(offering.code, 0);
    assert.match(offering.stdout + offering.stderr, /oracle/);
    const plan = await s.run(['create-service', 'redis', 'huge', 'x2']);
    assert.notEqual(plan.code, 0);
    assert.match(plan.stdout + plan.stderr, /The plan 'huge' could not be found for service offering 'redis'/);
    const params = await s.run(['create-service', 'redis', 'default', 'x3', '-c', '{"a":']);
    assert.notEqual(params.code, 0);
    assert.match(params.stdout + params.stderr, /Invalid configuration provided for -c flag/);
    assert.match((await s.ok(['services'])).stdout, /No service instances found/);
  });

  for (const kind of ['postgresql', 'mysql', 'redis', 'rabbitmq'] as EngineKind[]) {
    test(`${kind}: create-service, push the sample, bind-service, start: the app reads back what it wrote; keys; unbind and delete leave nothing`, async (t) => {
      if (!s) return t.skip(NO_CF);
      const plan = (await curl(`/v3/service_plans?service_offering_names=${kind}`)).resources[0];
      if (!plan.maintenance_info?.version) {
        assert.match(plan.description, /apt-get install/, 'a missing server names its package');
        if (required) assert.fail(plan.description);
        return t.skip(plan.description);
      }
      const name = `my${kind}`;
      const app = `svc-${kind}`;
      const created = await s.ok(['create-service', kind, 'default', name]);
      // Provisioning is asynchronous: cf stops at POLLING and says so; `cf service` shows it finish.
      assert.match(created.stdout, /Create in progress|created/);
      await until(`${name} created`, async () => {
        const out = (await s!.ok(['service', name])).stdout;
        assert.doesNotMatch(out, /create failed/, out);
        return /status:\s+create succeeded/.test(out) ? true : undefined;
      });

      await s.ok(['push', app, '-p', exampleApp(`services-${kind}`), '-m', '128M', '--no-start']);
      await s.ok(['bind-service', app, name]);
      await s.ok(['start', app]);
      const answer = JSON.parse((await httpGet(`http://${app}.localhost:${s.c.routerPort}/`)).body);
      assert.equal(answer.ok, true, JSON.stringify(answer));
      assert.equal(answer.engine, kind);
      assert.equal(answer.service, name);

      // VCAP_SERVICES as CC gives a managed binding.
      const guid = (await curl(`/v3/apps?names=${app}`)).resources[0].guid;
      const vcap = (await curl(`/v3/apps/${guid}/env`)).system_env_json.VCAP_SERVICES;
      const entry = vcap[kind][0];
      assert.equal(entry.label, kind);
      assert.equal(entry.plan, 'default');
      assert.equal(entry.provider, null);
      assert.ok(entry.tags.includes(kind === 'mysql' ? 'mysql' : kind), entry.tags.join(','));
      const appCreds = entry.credentials as Credentials;
      for (const key of ['uri', 'url', 'hostname', 'host', 'port', 'username', 'password']) assert.ok(appCreds[key] !== undefined, `credentials.${key}`);
      assert.equal(appCreds.hostname, '127.0.0.1');

      // A service key: its own login, working until deleted.
      await s.ok(['create-service-key', name, 'k1']);
      const keyOut = (await s.ok(['service-key', name, 'k1'])).stdout;
      const key = JSON.parse(keyOut.slice(keyOut.indexOf('{'))).credentials as Credentials;
      assert.notEqual(key.username, appCreds.username, 'a key is a login of its own');
      const client = CLIENTS[kind];
      client.write(key, `from-key-${kind}`);
      assert.equal(client.read(appCreds), `from-key-${kind}`, "the app's login sees what the key wrote");
      await s.ok(['delete-service-key', name, 'k1', '-f']);
      assert.equal(client.read(key), undefined, 'a deleted key no longer logs in');

      const bound = await s.run(['delete-service', name, '-f']);
      assert.notEqual(bound.code, 0);
      assert.match(bound.stdout + bound.stderr, /Please delete the service_bindings, service_keys, and routes associations/);
      await s.ok(['unbind-service', app, name]);
      assert.equal(client.read(appCreds), undefined, 'an unbound app login no longer logs in');
      await s.ok(['delete-service', name, '-f', '-w']);
      assert.doesNotMatch((await s.ok(['services'])).stdout, new RegExp(`^${name}\\s`, 'm'));
      await until(`the ${kind} server to stop`, async () => ((await listening(appCreds.port as number)) ? undefined : true), 30_000);
      await s.ok(['delete', app, '-f']);
    });
  }

  test('postgresql across a foundation restart, a kill -9 of the foundation and of the server: instance, data and binding stay; the app reconnects', async (t) => {
    if (!s) return t.skip(NO_CF);
    const plan = (await curl('/v3/service_plans?service_offering_names=postgresql')).resources[0];
    if (!plan.maintenance_info?.version) {
      if (required) assert.fail(plan.description);
      return t.skip(plan.description);
    }
    await s.ok(['create-service', 'postgresql', 'default', 'keepdb', '-w']);
    await s.ok(['push', 'svc-keep', '-p', exampleApp('services-postgresql'), '-m', '128M', '--no-start']);
    await s.ok(['bind-service', 'svc-keep', 'keepdb']);
    await s.ok(['start', 'svc-keep']);
    await s.ok(['create-service-key', 'keepdb', 'probe']);
    const keyOut = (await s.ok(['service-key', 'keepdb', 'probe'])).stdout;
    const key = JSON.parse(keyOut.slice(keyOut.indexOf('{'))).credentials as Credentials;
    CLIENTS.postgresql.write(key, 'kept');
    const answers = async () => {
      const r = await httpGet(`http://svc-keep.localhost:${s!.c.routerPort}/`).catch(() => undefined);
      // Until the app is back the router answers with its own page.
      return r?.status === 200 && JSON.parse(r.body).ok === true ? true : undefined;
    };
    const same = async (what: string) => {
      await until(`the app to answer after ${what}`, answers);
      assert.equal(CLIENTS.postgresql.read(key), 'kept', `the data after ${what}`);
      assert.match((await s!.ok(['services'])).stdout, /keepdb\s+postgresql\s+default\s+svc-keep\s+create succeeded\s+cfpush/);
    };
    await same('the first start');

    await s.c.ok(['foundation', 'stop']);
    assert.equal(await listening(key.port as number), false, 'the server stops with the foundation');
    await s.c.ok(['foundation', 'start']);
    await same('a restart');

    const info = JSON.parse(readFileSync(join(s.c.home, 'foundation', 'foundation.json'), 'utf8')) as { pid: number };
    process.kill(info.pid, 'SIGKILL');
    await s.c.ok(['foundation', 'start']);
    await same('a kill -9 of the foundation');

    // The server killed by hand: the foundation starts it again on the same port.
    const pid = Number(/pid=(\d+)/.exec(execFileSync('ss', ['-Hltnp', `sport = :${key.port}`], { encoding: 'utf8' }))?.[1]);
    assert.ok(pid > 0, 'the server listens');
    process.kill(pid, 'SIGKILL');
    await same('a kill -9 of the server');
    await s.ok(['delete', 'svc-keep', '-f']);
    await s.ok(['delete-service-key', 'keepdb', 'probe', '-f']);
    await s.ok(['delete-service', 'keepdb', '-f', '-w']);
  });
});

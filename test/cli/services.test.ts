// cups / uups / services / bind-service / unbind-service on cfpush, checked
// against the foundation's state and what the bound app sees in VCAP_SERVICES.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';

describe('user-provided services from cfpush', { timeout: 300_000 }, () => {
  let c: CliEnv;
  let work: string;
  let token: string;
  const api = async (path: string) => (await (await fetch(`http://127.0.0.1:${c.apiPort}${path}`, { headers: { authorization: token } })).json()) as any;
  const json = async (args: string[]) => JSON.parse((await c.ok([...args, '--json'])).stdout);

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    token = (await c.ok(['oauth-token'])).stdout.trim();
    work = mkdtempSync(join(tmpdir(), 'cfpush-svc-'));
    const dir = join(work, 'app');
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.yml'), '---\napplications:\n- name: consumer\n  memory: 64M\n');
    await c.ok(['push'], { cwd: dir });
  });
  after(async () => c?.cleanup());

  it('cups with JSON credentials and tags, bind-service with a binding name: VCAP_SERVICES has them; uups updates; unbind removes', async () => {
    const created = await c.ok(['cups', 'my-db', '-p', '{"uri":"postgres://u:p@127.0.0.1/db"}', '-t', 'db, postgres']);
    assert.match(created.stdout, /Creating user provided service my-db in org org \/ space space\.\.\.\nOK/);
    // --json: the instance as CC has it (guid, name, type), then later the binding's result.
    const { service_instance: made } = await json(['cups', 'json-db', '-p', '{"uri":"redis://127.0.0.1"}', '-t', 'cache']);
    const [jsonDb] = (await api('/v3/service_instances?names=json-db')).resources;
    assert.equal(made.guid, jsonDb.guid);
    assert.equal(made.name, 'json-db');
    assert.equal(made.type, 'user-provided');
    assert.deepEqual(made.tags, ['cache']);
    const { service_instance: updated } = await json(['uups', 'json-db', '-t', 'cache, redis']);
    assert.equal(updated.guid, jsonDb.guid);
    assert.deepEqual(updated.tags, ['cache', 'redis']);
    assert.deepEqual((await api(`/v3/service_instances/${jsonDb.guid}`)).tags, ['cache', 'redis']);
    assert.deepEqual(await json(['bind-service', 'consumer', 'json-db']), { app: 'consumer', service_instance: 'json-db', created: true });
    assert.deepEqual(await json(['bind-service', 'consumer', 'json-db']), { app: 'consumer', service_instance: 'json-db', created: false });
    const jsonBindings = async () => (await api(`/v3/service_credential_bindings?service_instance_guids=${jsonDb.guid}`)).resources.length;
    assert.equal(await jsonBindings(), 1);
    assert.deepEqual(await json(['unbind-service', 'consumer', 'json-db']), { app: 'consumer', service_instance: 'json-db', removed: true });
    assert.deepEqual(await json(['unbind-service', 'consumer', 'json-db']), { app: 'consumer', service_instance: 'json-db', removed: false });
    assert.equal(await jsonBindings(), 0);
    await c.ok(['delete-service', 'json-db', '-f']);

    const bound = await c.ok(['bind-service', 'consumer', 'my-db', '--binding-name', 'primary']);
    assert.match(bound.stdout, /OK\n\nTIP: Use 'cfpush restage consumer'/);
    assert.match((await c.ok(['bind-service', 'consumer', 'my-db'])).stdout, /App consumer is already bound to service instance my-db\.\nOK/);

    const app = (await api('/v3/apps?names=consumer')).resources[0];
    const vcap = (await api(`/v3/apps/${app.guid}/env`)).system_env_json.VCAP_SERVICES;
    const [entry] = vcap['user-provided'];
    assert.equal(entry.name, 'primary');
    assert.equal(entry.instance_name, 'my-db');
    assert.deepEqual(entry.credentials, { uri: 'postgres://u:p@127.0.0.1/db' });
    assert.deepEqual(entry.tags, ['db', 'postgres']);

    const { services } = await json(['services']);
    assert.deepEqual(
      services.map((s: { name: string; offering: string; boundApps: string[] }) => [s.name, s.offering, s.boundApps]),
      [['my-db', 'user-provided', ['consumer']]],
    );
    assert.match((await c.ok(['services'])).stdout, /^my-db +user-provided +consumer/m);

    const credsFile = join(work, 'creds.json');
    writeFileSync(credsFile, '{"uri":"postgres://u:p@127.0.0.1/db2"}');
    await c.ok(['update-user-provided-service', 'my-db', '-p', credsFile]);
    const after = (await api(`/v3/apps/${app.guid}/env`)).system_env_json.VCAP_SERVICES['user-provided'][0];
    assert.equal(after.credentials.uri, 'postgres://u:p@127.0.0.1/db2');

    await c.ok(['unbind-service', 'consumer', 'my-db']);
    assert.equal((await api(`/v3/service_credential_bindings?app_guids=${app.guid}`)).resources.length, 0);
    assert.match((await c.ok(['unbind-service', 'consumer', 'my-db'])).stdout, /Binding between my-db and consumer did not exist\nOK/);
  });

  it('bad input: credentials that are not a JSON object, an instance that does not exist', async () => {
    const bad = await c.run(['cups', 'x', '-p', 'host, port']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Incorrect usage: -p must be a JSON object or a file holding one/);
    assert.match(bad.stderr, /Usage: cfpush cups SERVICE_INSTANCE/);
    const none = await c.run(['bind-service', 'consumer', 'nope']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /Service instance 'nope' not found in space 'space'/);
    assert.match(none.stderr, /cfpush cups NAME -p CREDENTIALS/);
  });
});

// env, set-env, unset-env, rename, events, buildpacks, stacks, domains: the
// cf CLI's commands on cfpush, checked against the foundation's state.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';

describe("cf's app settings and catalog commands", { timeout: 300_000 }, () => {
  let c: CliEnv;
  let token: string;
  const api = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${c.apiPort}${path}`, { headers: { authorization: token } });
    return (await res.json()) as any;
  };
  const guid = async (name: string) => (await api(`/v3/apps?names=${name}`)).resources[0]?.guid as string | undefined;
  const json = async (args: string[]) => JSON.parse((await c.ok([...args, '--json'])).stdout);

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    token = (await c.ok(['oauth-token'])).stdout.trim();
    const dir = join(mkdtempSync(join(tmpdir(), 'cfpush-settings-')), 'app');
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.yml'), '---\napplications:\n- name: tuned\n  memory: 64M\n');
    await c.ok(['push'], { cwd: dir });
  });
  after(async () => c?.cleanup());

  it('set-env and unset-env change the user-provided variables; env shows them beside the system ones', async () => {
    const set = await c.ok(['set-env', 'tuned', 'GREETING', 'hello there']);
    assert.match(set.stdout, /Setting env variable GREETING for app tuned in org org \/ space space\.\.\.\nOK/);
    assert.match(set.stdout, /cfpush restage tuned/);
    assert.deepEqual((await api(`/v3/apps/${await guid('tuned')}/environment_variables`)).var, { GREETING: 'hello there' });
    const env = await c.ok(['env', 'tuned']);
    assert.match(env.stdout, /System-Provided:\nVCAP_SERVICES: \{\}/);
    assert.match(env.stdout, /VCAP_APPLICATION: \{\n {2}"application_id"/);
    assert.match(env.stdout, /User-Provided:\nGREETING: hello there\n/);
    assert.equal((await json(['env', 'tuned'])).environment_variables.GREETING, 'hello there');
    const unset = await c.ok(['unset-env', 'tuned', 'GREETING']);
    assert.match(unset.stdout, /OK/);
    assert.deepEqual((await api(`/v3/apps/${await guid('tuned')}/environment_variables`)).var, {});
    assert.match((await c.ok(['unset-env', 'tuned', 'GREETING'])).stdout, /Env variable GREETING was not set\.\nOK/);
    // --json: one JSON document, the app's variables after the change.
    const setJson = await json(['set-env', 'tuned', 'A_FLAG', 'on']);
    assert.deepEqual(setJson, { app: 'tuned', environment_variables: { A_FLAG: 'on' } });
    assert.deepEqual((await api(`/v3/apps/${await guid('tuned')}/environment_variables`)).var, { A_FLAG: 'on' });
    assert.deepEqual(await json(['unset-env', 'tuned', 'A_FLAG']), { app: 'tuned', name: 'A_FLAG', removed: true });
    assert.deepEqual(await json(['unset-env', 'tuned', 'A_FLAG']), { app: 'tuned', name: 'A_FLAG', removed: false });
    assert.deepEqual((await api(`/v3/apps/${await guid('tuned')}/environment_variables`)).var, {});
    const missing = await c.run(['set-env', 'tuned', 'ONLY_NAME']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Incorrect usage: VALUE is required\.\nUsage: cfpush set-env APP NAME VALUE/);
  });

  it('events lists what happened to the app, newest first; rename renames it', async () => {
    const { events } = await json(['events', 'tuned']);
    const types = events.map((e: { type: string }) => e.type);
    assert.ok(types.includes('audit.app.create'), types.join(' '));
    assert.ok(types.indexOf('audit.app.update') < types.indexOf('audit.app.create'), 'newest first');
    assert.match((await c.ok(['events', 'tuned'])).stdout, /^time +event +actor +description$/m);
    const g = await guid('tuned');
    await c.ok(['rename', 'tuned', 'retuned']);
    assert.equal(await guid('retuned'), g);
    assert.deepEqual(await json(['rename', 'retuned', 'tuned-json']), { app: { name: 'tuned-json', guid: g } });
    assert.equal(await guid('tuned-json'), g);
    await c.ok(['rename', 'tuned-json', 'retuned']);
    assert.equal(await guid('tuned'), undefined);
    const gone = await c.run(['env', 'tuned']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /App 'tuned' not found/);
  });

  it('buildpacks, stacks and domains list the catalog, as text and as JSON', async () => {
    const { buildpacks } = await json(['buildpacks']);
    assert.equal(buildpacks[0].name, 'staticfile_buildpack');
    assert.deepEqual(
      buildpacks.map((b: { position: number }) => b.position),
      buildpacks.map((_: unknown, i: number) => i + 1),
    );
    assert.match((await c.ok(['buildpacks'])).stdout, /^1 +staticfile_buildpack +cflinuxfs4 +true +false/m);
    assert.deepEqual(
      (await json(['stacks'])).stacks.map((s: { name: string }) => s.name),
      ['cflinuxfs4'],
    );
    const { domains } = await json(['domains']);
    assert.ok(domains.some((d: { name: string }) => d.name === 'localhost'));
    assert.match((await c.ok(['domains'])).stdout, /^localhost +shared/m);
  });

  it('create-route makes a route in the space mapped to nothing; delete-route deletes it, and says so when there is none', async () => {
    const made = await c.ok(['create-route', 'localhost', '--hostname', 'spare', '--path', '/v2']);
    assert.match(made.stdout, /Creating route spare\.localhost\/v2 in org org \/ space space\.\.\.\nRoute spare\.localhost\/v2 has been created\.\nOK/);
    const [route] = (await api('/v3/routes?hosts=spare')).resources;
    assert.equal(route.url, 'spare.localhost/v2');
    assert.deepEqual(route.destinations, []);
    await c.ok(['delete-route', 'localhost', '--hostname', 'spare', '--path', '/v2', '-f']);
    assert.equal((await api('/v3/routes?hosts=spare')).resources.length, 0);
    const again = await c.ok(['delete-route', 'localhost', '-n', 'spare', '--path', '/v2']);
    assert.match(again.stdout, /Unable to delete\. Route with host 'spare' and domain 'localhost' and path '\/v2' not found\.\nOK/);
    const madeJson = await json(['create-route', 'localhost', '-n', 'spare-json']);
    const [jsonRoute] = (await api('/v3/routes?hosts=spare-json')).resources;
    assert.deepEqual(madeJson, { route: { guid: jsonRoute.guid, url: 'spare-json.localhost' } });
    assert.deepEqual(await json(['delete-route', 'localhost', '-n', 'spare-json', '-f']), { route: 'spare-json.localhost', removed: true });
    assert.equal((await api('/v3/routes?hosts=spare-json')).resources.length, 0);
    assert.deepEqual(await json(['delete-route', 'localhost', '-n', 'spare-json']), { route: 'spare-json.localhost', removed: false });
    const bad = await c.run(['create-route', 'nowhere.example']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Domain 'nowhere\.example' not found\.\nThe target's domains: localhost/);
  });

  it('create-app-manifest writes the app as a manifest, which pushes the same app again', async () => {
    await c.ok(['set-env', 'retuned', 'MODE', 'blue']);
    await c.ok(['scale', 'retuned', '-i', '2']);
    const dir = mkdtempSync(join(tmpdir(), 'cfpush-appmanifest-'));
    const r = await c.ok(['create-app-manifest', 'retuned'], { cwd: dir });
    assert.match(r.stdout, /Manifest file created successfully at .*retuned_manifest\.yml\nOK/);
    const text = readFileSync(join(dir, 'retuned_manifest.yml'), 'utf8');
    assert.match(text, /^applications:\n {2}- name: retuned\n/);
    assert.match(text, /env:\n\s+MODE: blue/);
    assert.match(text, /routes:\n\s+- route: tuned\.localhost\n/);
    assert.match(text, /processes:\n\s+- type: web\n\s+instances: 2\n\s+memory: 64M/);
    // The manifest is one cfpush reads back without a complaint.
    const pushed = await c.ok(['push', '--preview', '-f', join(dir, 'retuned_manifest.yml')], { cwd: dir });
    assert.match(pushed.stdout, /= retuned \(no manifest changes/);
    // --json names the file written, which holds the same manifest.
    const other = join(dir, 'as-json.yml');
    assert.deepEqual(await json(['create-app-manifest', 'retuned', '-p', other]), { app: 'retuned', file: other });
    assert.equal(readFileSync(other, 'utf8'), text);
  });
});

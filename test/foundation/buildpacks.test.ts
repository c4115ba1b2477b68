// /v3/buildpacks over raw HTTP (issue 15 item 6), what the cf CLI relies on
// and CC does: positions that shift, the trailing-slash create, the upload
// job's states and CC's error codes (a FAILED job always carries one),
// staging that finds installed buildpacks by name and detects over them in
// position order, and bits and records that survive a restart.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningFoundation } from '../../src/foundation/server';
import { Api, cleanup, multipart, nodeApp, stageAndStart, startTestFoundation, tempDir, zipDir, zipEntries } from './helpers';

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

/** A buildpack folder that detects a package.json (staging is what is looked at), with more files or fewer scripts. */
function buildpack(extra: Record<string, string> = {}, without: string[] = []): string {
  const dir = tempDir('cfpush-bp-');
  mkdirSync(join(dir, 'bin'));
  const scripts: Record<string, string> = {
    detect: '[ -f "$1/package.json" ] || exit 1\necho my-detect',
    compile: 'echo compiled > "$1/compiled.txt"',
    release: 'printf -- "---\\ndefault_process_types:\\n  web: node server.js\\n"',
    ...extra,
  };
  for (const name of without) delete scripts[name];
  for (const [name, text] of Object.entries(scripts)) {
    const file = join(dir, name.includes('.') ? name : join('bin', name));
    writeFileSync(file, name.includes('.') ? text : `#!/usr/bin/env bash\n${text}\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

const names = async () => ((await api.get('/v3/buildpacks')).json.resources as any[]).map((b) => `${b.position} ${b.name}`);

async function create(body: Record<string, unknown>): Promise<any> {
  const res = await api.post('/v3/buildpacks/', body);
  assert.equal(res.status, 201, res.text);
  return res.json;
}

/** Uploads `zip` as `filename`; resolves with the 202's job once it ends. */
async function upload(guid: string, zip: Buffer, filename = 'bp.zip'): Promise<{ status: number; job?: any; json: any }> {
  const mp = multipart([], zip, filename);
  const res = await api.call('POST', `/v3/buildpacks/${guid}/upload`, mp.body, { 'content-type': mp.contentType });
  if (res.status !== 202) return { status: res.status, json: res.json };
  return { status: 202, json: res.json, job: await api.job(res.headers.location as string) };
}

/** The built-ins as `position name`, in CF's detection order. */
const BUILTINS = ['staticfile', 'java', 'ruby', 'dotnet_core', 'nodejs', 'go', 'python', 'php', 'nginx', 'r', 'hwc', 'binary'].map(
  (n, i) => `${i + 1} ${n}_buildpack`,
);

describe('buildpacks API', () => {
  test('the built-ins in detection order, position-ordered by default, filtered by name and stack', async () => {
    assert.deepEqual(await names(), BUILTINS);
    const node = (await api.get('/v3/buildpacks?names=nodejs_buildpack&stacks=cflinuxfs4')).json.resources;
    assert.equal(node.length, 1);
    assert.equal(node[0].state, 'READY');
    assert.match(node[0].filename, /^built-in nodejs v\d/);
    assert.equal((await api.get(`/v3/buildpacks/${node[0].guid}`)).json.name, 'nodejs_buildpack');
    assert.equal((await api.get('/v3/buildpacks?order_by=-position&per_page=1')).json.resources[0].name, 'binary_buildpack');
    assert.equal((await api.get('/v3/buildpacks/nope')).json.errors[0].detail, 'Buildpack not found');
  });

  test("create (trailing slash, as the cf CLI sends it): AWAITING_UPLOAD at its position, the others shift; CC's validation errors", async () => {
    const bp = await create({ name: 'first_bp', position: 2, enabled: true });
    assert.equal(bp.state, 'AWAITING_UPLOAD');
    assert.equal(bp.stack, null);
    assert.equal(bp.filename, null);
    assert.equal(bp.position, 2);
    assert.deepEqual((await names()).slice(0, 3), ['1 staticfile_buildpack', '2 first_bp', '3 java_buildpack']);
    const last = await create({ name: 'last_bp', position: 100 });
    assert.equal(last.position, BUILTINS.length + 2, 'a position past the end is the end');
    const bad = async (body: Record<string, unknown>, detail: string) => {
      const res = await api.post('/v3/buildpacks', body);
      assert.equal(res.status, 422, res.text);
      assert.equal(res.json.errors[0].detail, detail);
    };
    await bad({ name: 'zero', position: 0 }, 'Position must be greater than or equal to 1');
    await bad({ name: 'x y' }, 'Name is invalid');
    await bad({ position: 1.5 }, "Name can't be blank, Position must be an integer");
    await bad({ name: 'x', color: 'red' }, "Unknown field(s): 'color'");
    await bad({ name: 'x', stack: 'cflinuxfs3' }, "Stack 'cflinuxfs3' does not exist");
    await bad({ name: 'first_bp' }, "Buildpack with name 'first_bp' and an unassigned stack already exists");
    await bad({ name: 'nodejs_buildpack', stack: 'cflinuxfs4' }, "Buildpack with name 'nodejs_buildpack' and stack 'cflinuxfs4' already exists");
  });

  test('upload: checked as CC checks it (a zip, not empty, not locked) before a job', async () => {
    const bp = (await api.get('/v3/buildpacks?names=first_bp')).json.resources[0];
    const zip = await zipDir(buildpack());
    const txt = await upload(bp.guid, zip, 'bp.txt');
    assert.equal(txt.status, 422);
    assert.equal(txt.json.errors[0].detail, 'Uploaded buildpack file is invalid: bp.txt is not a zip');
    const empty = await upload(bp.guid, Buffer.alloc(0), 'empty.zip');
    assert.equal(empty.json.errors[0].detail, 'Uploaded buildpack file is invalid: empty.zip cannot be empty');
    const noBits = multipart([]);
    const none = await api.call('POST', `/v3/buildpacks/${bp.guid}/upload`, noBits.body, { 'content-type': noBits.contentType });
    assert.equal(none.json.errors[0].detail, "Uploaded buildpack file is invalid: A buildpack zip file must be uploaded as 'bits'");
    await api.patch(`/v3/buildpacks/${bp.guid}`, { locked: true });
    const locked = await upload(bp.guid, zip);
    assert.equal(locked.status, 422);
    assert.equal(locked.json.errors[0].detail, 'Buildpack is locked');
    await api.patch(`/v3/buildpacks/${bp.guid}`, { locked: false });
    assert.equal((await api.get(`/v3/buildpacks/${bp.guid}`)).json.state, 'AWAITING_UPLOAD');
  });

  test("the upload job FAILS with CC's buildpack errors, never without one, and leaves no bits", async () => {
    const bp = (await api.get('/v3/buildpacks?names=last_bp')).json.resources[0];
    const raw = await zipEntries({ 'xx/xx/evil.sh': 'x', 'bin/detect': 'x' });
    const cases: [Buffer, number, RegExp][] = [
      [Buffer.from('not a zip'), 390013, /^Buildpack zip error: buildpack zipfile is not valid/],
      [Buffer.from(raw.toString('latin1').split('xx/xx/evil.sh').join('../../evil.sh'), 'latin1'), 390013, /^Buildpack zip error: .*evil\.sh/],
      [await zipEntries({ 'README.md': 'no bin' }), 290003, /^Buildpack is invalid: bp\.zip has no bin\/ folder/],
      [await zipDir(buildpack({}, ['detect'])), 290003, /^Buildpack is invalid: bp\.zip has no bin\/detect/],
      [await zipDir(buildpack({ 'manifest.yml': 'stack: cflinuxfs3\n' })), 390012, /^Uploaded buildpack stack \(cflinuxfs3\) does not exist$/],
      [await zipDir(buildpack({ 'manifest.yml': 'stack: [' })), 390013, /^Buildpack zip error: buildpack manifest is not valid$/],
    ];
    for (const [zip, code, detail] of cases) {
      const { status, json, job } = await upload(bp.guid, zip);
      assert.equal(status, 202);
      assert.equal(json.name, 'last_bp', 'the 202 carries the buildpack, as CC answers');
      assert.equal(job.state, 'FAILED');
      assert.ok(job.errors.length >= 1);
      assert.equal(job.errors[0].code, code, job.errors[0].detail);
      assert.match(job.errors[0].detail, detail);
    }
    assert.equal((await api.get(`/v3/buildpacks/${bp.guid}`)).json.state, 'AWAITING_UPLOAD');
    assert.deepEqual(readdirSync(join(dataDir, 'buildpacks')), []);
  });

  test('a good upload: READY, the default stack, bits in the data dir, the list the tools read; audit events', async () => {
    const bp = (await api.get('/v3/buildpacks?names=first_bp')).json.resources[0];
    const { job } = await upload(bp.guid, await zipDir(buildpack()), 'first_bp-v1.2.3.zip');
    assert.equal(job.state, 'COMPLETE', JSON.stringify(job.errors));
    const ready = (await api.get(`/v3/buildpacks/${bp.guid}`)).json;
    assert.equal(ready.state, 'READY');
    assert.equal(ready.stack, 'cflinuxfs4');
    assert.equal(ready.filename, 'first_bp-v1.2.3.zip');
    const files = readdirSync(join(dataDir, 'buildpacks')).sort();
    assert.equal(files.length, 2);
    assert.ok(files[1] === `${files[0]}.zip` && existsSync(join(dataDir, 'buildpacks', files[0]!, 'bin', 'detect')));
    const index = JSON.parse(readFileSync(join(dataDir, 'buildpacks.json'), 'utf8')).buildpacks;
    assert.deepEqual(index[1], { name: 'first_bp', enabled: true, stack: 'cflinuxfs4', dir: join('buildpacks', files[0]!) });
    assert.ok(!index.some((e: any) => e.name === 'last_bp'), 'a buildpack without bits is not listed');
    const events = (await api.get(`/v3/audit_events?target_guids=${bp.guid}`)).json.resources.map((e: any) => e.type);
    assert.deepEqual(events.sort(), ['audit.buildpack.create', 'audit.buildpack.update', 'audit.buildpack.update', 'audit.buildpack.upload']);
  });

  test('staging: detection in position order (disabled ones skipped); a name finds an installed buildpack, a disabled one refuses', async () => {
    const app = nodeApp('bp-detect', "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)");
    const first = await stageAndStart(api, 'bp-detect', app);
    const droplet = (await api.get(`/v3/droplets/${first.build.droplet.guid}`)).json;
    assert.equal(droplet.buildpacks[0].name, 'first_bp');
    assert.equal(droplet.buildpacks[0].detect_output, 'my-detect');
    const bp = (await api.get('/v3/buildpacks?names=first_bp')).json.resources[0];
    await api.patch(`/v3/buildpacks/${bp.guid}`, { enabled: false });
    const second = await stageAndStart(api, 'bp-detect', app, '', 'restart');
    assert.equal((await api.get(`/v3/droplets/${second.build.droplet.guid}`)).json.buildpacks[0].name, 'nodejs_buildpack');
    await assert.rejects(stageAndStart(api, 'bp-named', app, '  buildpacks: [first_bp]\n'), /Buildpack 'first_bp' is disabled/);
    await api.patch(`/v3/buildpacks/${bp.guid}`, { enabled: true, position: 5 });
    const named = await stageAndStart(api, 'bp-named', app, '  buildpacks: [first_bp]\n', 'restart');
    assert.equal((await api.get(`/v3/droplets/${named.build.droplet.guid}`)).json.buildpacks[0].name, 'first_bp');
  });

  test('update: moves shift the others, a stack once set stays, names stay unique', async () => {
    const bp = (await api.get('/v3/buildpacks?names=first_bp')).json.resources[0];
    assert.equal(bp.position, 5);
    const moved = await api.patch(`/v3/buildpacks/${bp.guid}`, { position: 1 });
    assert.equal(moved.json.position, 1);
    assert.deepEqual((await names()).slice(0, 3), ['1 first_bp', '2 staticfile_buildpack', '3 java_buildpack']);
    assert.equal((await api.patch(`/v3/buildpacks/${bp.guid}`, { stack: 'other' })).json.errors[0].detail, "Stack 'other' does not exist");
    assert.equal((await api.patch(`/v3/buildpacks/${bp.guid}`, { position: 0 })).status, 422);
    const taken = await api.patch(`/v3/buildpacks/${bp.guid}`, { name: 'nodejs_buildpack' });
    assert.equal(taken.json.errors[0].detail, "Buildpack with name 'nodejs_buildpack' and stack 'cflinuxfs4' already exists");
  });

  test('a restart keeps records, order and bits; a data dir from before buildpacks were records gets the built-ins', async () => {
    const before = await names();
    await f.close();
    f = await startTestFoundation(dataDir);
    api = await Api.connect(f);
    assert.deepEqual(await names(), before);
    assert.equal(readdirSync(join(dataDir, 'buildpacks')).length, 2);

    const old = tempDir();
    const g = await startTestFoundation(old);
    await g.close();
    const state = JSON.parse(readFileSync(join(old, 'state.json'), 'utf8'));
    delete state.buildpacks;
    writeFileSync(join(old, 'state.json'), JSON.stringify(state));
    const h = await startTestFoundation(old);
    try {
      const oldApi = await Api.connect(h);
      assert.equal((await oldApi.get('/v3/buildpacks')).json.resources.length, BUILTINS.length);
    } finally {
      await h.close();
      cleanup(old);
    }
  });

  test('a built-in added to cf-push since (nginx) joins an older data dir once, in its detection place; deleted, it stays deleted', async () => {
    const old = tempDir();
    const g = await startTestFoundation(old);
    await g.close();
    // The data dir as cf-push wrote it before the nginx buildpack: no nginx record, those after it one up, no offered list.
    const state = JSON.parse(readFileSync(join(old, 'state.json'), 'utf8'));
    const recs = Object.values(state.buildpacks) as { guid: string; builtin?: string; position: number }[];
    const nginxRec = recs.find((r) => r.builtin === 'nginx')!;
    delete state.buildpacks[nginxRec.guid];
    for (const r of recs) if (r.position > nginxRec.position) r.position--;
    delete state.offered_builtins;
    writeFileSync(join(old, 'state.json'), JSON.stringify(state));
    let h = await startTestFoundation(old);
    try {
      const a = await Api.connect(h);
      const list = async () =>
        ((await a.get('/v3/buildpacks?per_page=50')).json.resources as { name: string; position: number }[]).map((r) => `${r.position} ${r.name}`);
      assert.deepEqual(await list(), BUILTINS);
      const nginx = (await a.get('/v3/buildpacks?names=nginx_buildpack')).json.resources[0];
      const del = await a.del(`/v3/buildpacks/${nginx.guid}`);
      assert.equal((await a.job(del.headers.location as string)).state, 'COMPLETE');
      await h.close();
      h = await startTestFoundation(old);
      const b = await Api.connect(h);
      const names = ((await b.get('/v3/buildpacks?per_page=50')).json.resources as { name: string }[]).map((r) => r.name);
      assert.ok(!names.includes('nginx_buildpack'), names.join(' '));
    } finally {
      await h.close();
      cleanup(old);
    }
  });

  test('delete: a job; the others close up; the bits go', async () => {
    for (const name of ['first_bp', 'last_bp']) {
      const bp = (await api.get(`/v3/buildpacks?names=${name}`)).json.resources[0];
      const res = await api.del(`/v3/buildpacks/${bp.guid}`);
      assert.equal(res.status, 202);
      assert.equal((await api.job(res.headers.location as string)).state, 'COMPLETE');
    }
    assert.deepEqual(await names(), BUILTINS);
    assert.deepEqual(readdirSync(join(dataDir, 'buildpacks')), []);
    assert.equal((await api.del('/v3/buildpacks/nope')).status, 404);
  });
});

// Shared by the conformance tests: CC shape checks, a second space, apps that
// stage fast (binary buildpack + Procfile, node from PATH), pushing without
// starting, and a tgz droplet staged with core `stage()`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningFoundation } from '../../../src/foundation/server';
import { stage } from '../../../src/core/staging/builder';
import { type Api, multipart, tempDir, until, zipDir } from '../helpers';

export function assertResource(f: RunningFoundation, r: any, selfPath: string): void {
  assert.match(r.guid, /^[0-9a-f-]{36}$/);
  assert.match(r.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(r.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(r.links.self.href, `${f.apiUrl}${selfPath}`);
}

/** `{"errors":[{code,title,detail}]}` with exactly these entries' code/title (and detail when given). */
export function assertError(res: { status: number; json: any; text: string }, status: number, code: number, title: string, detail?: string | RegExp): void {
  assert.equal(res.status, status, res.text);
  assert.ok(Array.isArray(res.json?.errors), res.text);
  const e = res.json.errors[0];
  assert.deepEqual(Object.keys(e).sort(), ['code', 'detail', 'title']);
  assert.equal(e.code, code, res.text);
  assert.equal(e.title, title, res.text);
  if (typeof detail === 'string') assert.equal(e.detail, detail);
  else if (detail) assert.match(e.detail, detail);
}

export async function orgGuid(api: Api): Promise<string> {
  return (await api.get('/v3/organizations?names=org')).json.resources[0].guid;
}

export async function createSpace(api: Api, name: string): Promise<any> {
  const res = await api.post('/v3/spaces', { name, relationships: { organization: { data: { guid: await orgGuid(api) } } } });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

export async function createApp(api: Api, name: string, spaceGuid?: string): Promise<any> {
  const space = spaceGuid ?? (await api.space()).guid;
  const res = await api.post('/v3/apps', { name, relationships: { space: { data: { guid: space } } } });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

/** A node app started by a Procfile, so it stages with the binary buildpack in milliseconds. */
export function procfileApp(serverJs: string): string {
  const dir = tempDir('cfpush-conf-app-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'server.js'), serverJs);
  writeFileSync(join(dir, 'Procfile'), 'web: node server.js\n');
  return dir;
}

/** Answers `<tag>:<instance index>` (tag from env TAG), and /env with VCAP_SERVICES. */
export const ECHO_APP = `
const http = require('http');
http.createServer((req, res) => {
  if (req.url === '/vcap') { res.setHeader('content-type', 'application/json'); return res.end(process.env.VCAP_SERVICES || 'null'); }
  res.end((process.env.TAG || 'v') + ':' + process.env.CF_INSTANCE_INDEX);
}).listen(process.env.PORT);
process.on('SIGTERM', () => process.exit(0));
`;

export async function applyOk(api: Api, yaml: string): Promise<any> {
  const res = await api.applyManifest(yaml);
  assert.equal(res.status, 202, res.text);
  const job = await api.job(res.headers.location as string);
  assert.equal(job.state, 'COMPLETE', JSON.stringify(job.errors));
  return job;
}

export async function appByName(api: Api, name: string): Promise<any> {
  return (await api.get(`/v3/apps?names=${name}`)).json.resources[0];
}

/** Package + upload + build (binary buildpack); resolves with the STAGED build. Does not start. */
export async function uploadAndStage(api: Api, appGuid: string, dir: string): Promise<any> {
  const pkg = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: appGuid } } } })).json;
  const mp = multipart([], await zipDir(dir));
  const up = await api.call('POST', `/v3/packages/${pkg.guid}/upload`, mp.body, { 'content-type': mp.contentType });
  assert.equal(up.status, 200, up.text);
  const created = await api.post('/v3/builds', { package: { guid: pkg.guid }, lifecycle: { type: 'buildpack', data: { buildpacks: ['binary'] } } });
  assert.equal(created.status, 201, created.text);
  const build = await until(
    async () => {
      const b = (await api.get(`/v3/builds/${created.json.guid}`)).json;
      return b.state !== 'STAGING' ? b : undefined;
    },
    60_000,
    'staging',
    30,
  );
  assert.equal(build.state, 'STAGED', build.error);
  return build;
}

/** The "push --no-start" part: manifest, package, stage, set the droplet; the app stays STOPPED. */
export async function pushNoStart(api: Api, name: string, dir: string, extra = ''): Promise<{ app: any; build: any }> {
  await applyOk(api, `applications:\n- name: ${name}\n  memory: 64M\n  buildpacks: [binary]\n  default-route: true\n${extra}`);
  const app = await appByName(api, name);
  const build = await uploadAndStage(api, app.guid, dir);
  const set = await api.patch(`/v3/apps/${app.guid}/relationships/current_droplet`, { data: { guid: build.droplet.guid } });
  assert.equal(set.status, 200, set.text);
  return { app, build };
}

/** Stages `dir` locally with core stage() into a droplet tgz (a droplet "staged elsewhere"). */
export async function stageTgz(dir: string): Promise<string> {
  const out = join(tempDir('cfpush-conf-droplet-'), 'droplet.tgz');
  await stage({ appDir: dir, buildpacks: ['binary'], cacheDir: tempDir('cfpush-conf-cache-'), outputDroplet: out });
  return out;
}

export function multipartFile(field: string, filename: string, data: Buffer): { body: Buffer; contentType: string } {
  const boundary = `----cfpushconf${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

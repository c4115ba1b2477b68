// Running apps through the API: push --no-start / bind / start reaching
// VCAP_SERVICES, builds (async, FAILED with CC error ids, StagingInProgress),
// droplets staged elsewhere (upload, traversal, size limit, download), app
// actions, and rolling deployments served through the router without a
// failed request, plus cancel.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { RunningFoundation } from '../../../src/foundation/server';
import { Api, cleanup, deploymentReason, http, multipart, startTestFoundation, tempDir, until, waitRunning, zipEntries } from '../helpers';
import { appByName, assertError, createApp, ECHO_APP, multipartFile, procfileApp, pushNoStart, stageTgz, uploadAndStage } from './util';

let f: RunningFoundation;
let api: Api;
let dataDir: string;
let appDir: string;

before(async () => {
  dataDir = tempDir();
  f = await startTestFoundation(dataDir);
  api = await Api.connect(f);
  appDir = procfileApp(ECHO_APP);
});
after(async () => {
  await f.close();
  cleanup(dataDir);
  cleanup(appDir);
});

const routerGet = (host: string, path = '/') => http(`${f.routerUrl}${path}`, { headers: { host } });

describe('push --no-start, bind, start', () => {
  test('a user-provided service bound before start reaches the app as VCAP_SERVICES', async () => {
    const { app } = await pushNoStart(api, 'vcap-app', appDir);
    assert.equal((await api.get(`/v3/apps/${app.guid}`)).json.state, 'STOPPED');
    const space = await api.space();
    const si = (
      await api.post('/v3/service_instances', {
        type: 'user-provided',
        name: 'talk-db',
        tags: ['sql'],
        relationships: { space: { data: { guid: space.guid } } },
        credentials: { uri: 'postgres://talk:pw@db.local:5432/talk' },
      })
    ).json;
    const bind = await api.post('/v3/service_credential_bindings', {
      type: 'app',
      relationships: { service_instance: { data: { guid: si.guid } }, app: { data: { guid: app.guid } } },
    });
    assert.equal(bind.status, 201, bind.text);
    const started = await api.post(`/v3/apps/${app.guid}/actions/start`);
    assert.equal(started.status, 200, started.text);
    assert.equal(started.json.state, 'STARTED');
    await waitRunning(api, app.guid);
    const res = await routerGet('vcap-app.localhost', '/vcap');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, {
      'user-provided': [
        {
          label: 'user-provided',
          name: 'talk-db',
          tags: ['sql'],
          instance_guid: si.guid,
          instance_name: 'talk-db',
          binding_guid: bind.json.guid,
          binding_name: null,
          credentials: { uri: 'postgres://talk:pw@db.local:5432/talk' },
          syslog_drain_url: null,
          volume_mounts: [],
        },
      ],
    });
    const stopped = await api.post(`/v3/apps/${app.guid}/actions/stop`);
    assert.equal(stopped.status, 200);
    assert.equal(stopped.json.state, 'STOPPED');
    assert.equal((await routerGet('vcap-app.localhost')).status, 404);
  });
});

describe('builds', () => {
  test('async STAGING → STAGED; a second build while one is STAGING → 422 CF-StagingInProgress 170017', async () => {
    // A buildpack whose compile takes a moment, so the second request surely meets a STAGING build.
    const bp = tempDir('cfpush-slow-bp-');
    mkdirSync(join(bp, 'bin'));
    writeFileSync(join(bp, 'bin', 'detect'), '#!/usr/bin/env bash\nexit 0\n', { mode: 0o755 });
    writeFileSync(join(bp, 'bin', 'compile'), '#!/usr/bin/env bash\nsleep 1\n', { mode: 0o755 });
    writeFileSync(join(bp, 'bin', 'release'), '#!/usr/bin/env bash\necho "default_process_types: {web: node server.js}"\n', { mode: 0o755 });
    const app = await createApp(api, 'build-app');
    const pkg = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } })).json;
    const mp = multipart([], await zipEntries({ 'server.js': 'require("http").createServer((q, s) => s.end("ok")).listen(process.env.PORT)' }));
    await api.call('POST', `/v3/packages/${pkg.guid}/upload`, mp.body, { 'content-type': mp.contentType });
    const first = await api.post('/v3/builds', { package: { guid: pkg.guid }, lifecycle: { type: 'buildpack', data: { buildpacks: [bp] } } });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.state, 'STAGING');
    assert.equal(first.json.droplet, null);
    assert.equal(first.json.package.guid, pkg.guid);
    assertError(await api.post('/v3/builds', { package: { guid: pkg.guid } }), 422, 170017, 'CF-StagingInProgress');
    const staged = await until(
      async () => {
        const b = (await api.get(`/v3/builds/${first.json.guid}`)).json;
        return b.state !== 'STAGING' ? b : undefined;
      },
      60_000,
      'build',
      30,
    );
    assert.equal(staged.state, 'STAGED', staged.error);
    assert.equal(staged.links.droplet.href, `${f.apiUrl}/v3/droplets/${staged.droplet.guid}`);
    const droplet = (await api.get(`/v3/droplets/${staged.droplet.guid}`)).json;
    assert.deepEqual(droplet.process_types, { web: 'node server.js' });
    cleanup(bp);
  });

  test('a failing build is FAILED with "<ErrorId> - <text>"; unknown fields refused', async () => {
    const app = await createApp(api, 'failing-build');
    const pkg = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } })).json;
    const mp = multipart([], await zipEntries({ 'readme.txt': 'nothing detectable here' }));
    await api.call('POST', `/v3/packages/${pkg.guid}/upload`, mp.body, { 'content-type': mp.contentType });
    const created = await api.post('/v3/builds', { package: { guid: pkg.guid } });
    assert.equal(created.status, 201, created.text);
    const settled = await until(
      async () => {
        const b = (await api.get(`/v3/builds/${created.json.guid}`)).json;
        return b.state !== 'STAGING' ? b : undefined;
      },
      60_000,
      'build',
      30,
    );
    assert.equal(settled.state, 'FAILED');
    assert.match(settled.error, /^NoAppDetectedError - /);
    assert.equal(settled.droplet, null);
    assertError(await api.post('/v3/builds', { package: { guid: pkg.guid }, colour: 1 }), 422, 10008, 'CF-UnprocessableEntity', "Unknown field(s): 'colour'");
  });
});

describe('droplets staged elsewhere', () => {
  test('POST /v3/droplets → AWAITING_UPLOAD; upload a stage() tgz → STAGED; set current; start; download', async () => {
    const tgz = await stageTgz(appDir);
    const app = await createApp(api, 'uploaded');
    const domain = (await api.get('/v3/domains?names=localhost')).json.resources[0];
    const route = (
      await api.post('/v3/routes', {
        host: 'uploaded',
        relationships: { domain: { data: { guid: domain.guid } }, space: { data: { guid: app.relationships.space.data.guid } } },
      })
    ).json;
    await api.post(`/v3/routes/${route.guid}/destinations`, { destinations: [{ app: { guid: app.guid } }] });
    const created = await api.post('/v3/droplets', { relationships: { app: { data: { guid: app.guid } } } });
    assert.equal(created.status, 201, created.text);
    const d = created.json;
    assert.equal(d.state, 'AWAITING_UPLOAD');
    assert.equal(d.links.upload.href, `${f.apiUrl}/v3/droplets/${d.guid}/upload`);
    assert.equal(d.links.upload.method, 'POST');
    assertError(await api.patch(`/v3/apps/${app.guid}/relationships/current_droplet`, { data: { guid: d.guid } }), 422, 10008, 'CF-UnprocessableEntity');
    const mp = multipartFile('bits', 'droplet.tgz', readFileSync(tgz));
    const up = await api.call('POST', `/v3/droplets/${d.guid}/upload`, mp.body, { 'content-type': mp.contentType });
    assert.equal(up.status, 202, up.text);
    assert.match(up.headers.location as string, /\/v3\/jobs\//);
    assert.equal((await api.job(up.headers.location as string)).state, 'COMPLETE');
    const staged = (await api.get(`/v3/droplets/${d.guid}`)).json;
    assert.equal(staged.state, 'STAGED');
    assert.deepEqual(staged.process_types, { web: 'node server.js' });
    assert.equal(staged.checksum.type, 'sha256');
    assert.match(staged.checksum.value, /^[0-9a-f]{64}$/);
    assertError(await api.call('POST', `/v3/droplets/${d.guid}/upload`, mp.body, { 'content-type': mp.contentType }), 422, 10008, 'CF-UnprocessableEntity');
    const set = await api.patch(`/v3/apps/${app.guid}/relationships/current_droplet`, { data: { guid: d.guid } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.data.guid, d.guid);
    assert.equal((await api.post(`/v3/apps/${app.guid}/actions/start`)).status, 200);
    await waitRunning(api, app.guid);
    assert.equal((await routerGet('uploaded.localhost')).text, 'v:0');
    const restarted = await api.post(`/v3/apps/${app.guid}/actions/restart`);
    assert.equal(restarted.status, 200);
    await waitRunning(api, app.guid);
    assert.equal((await routerGet('uploaded.localhost')).text, 'v:0');
    const dl = await http(`${f.apiUrl}/v3/droplets/${d.guid}/download`, { headers: { authorization: `bearer ${api.token}` } });
    assert.equal(dl.status, 200);
    assert.equal(dl.headers['content-type'], 'application/gzip');
    const listed = (await api.get(`/v3/droplets?app_guids=${app.guid}&states=STAGED`)).json.resources;
    assert.deepEqual(
      listed.map((x: any) => x.guid),
      [d.guid],
    );
    await api.post(`/v3/apps/${app.guid}/actions/stop`);
  });

  test('a traversal tgz, a broken gzip and an oversized droplet → 422; the droplet is FAILED', async () => {
    const app = await createApp(api, 'evil-droplet');
    const mk = async () => (await api.post('/v3/droplets', { relationships: { app: { data: { guid: app.guid } } } })).json;
    // A tar with one entry named ../../escape.txt, built by hand.
    const header = Buffer.alloc(512);
    header.write('../../escape.txt', 0);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write('00000000005\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    const body = Buffer.alloc(512);
    body.write('evil!');
    const evil = gzipSync(Buffer.concat([header, body, Buffer.alloc(1024)]));
    const d1 = await mk();
    let mp = multipartFile('bits', 'droplet.tgz', evil);
    const res = await api.call('POST', `/v3/droplets/${d1.guid}/upload`, mp.body, { 'content-type': mp.contentType });
    assertError(res, 422, 10008, 'CF-UnprocessableEntity', /escape\.txt.*outside the droplet folder/);
    assert.equal((await api.get(`/v3/droplets/${d1.guid}`)).json.state, 'FAILED');

    const d2 = await mk();
    mp = multipartFile('bits', 'droplet.tgz', Buffer.from('not a gzip at all'));
    assertError(await api.call('POST', `/v3/droplets/${d2.guid}/upload`, mp.body, { 'content-type': mp.contentType }), 422, 10008, 'CF-UnprocessableEntity');

    const d3 = await mk();
    process.env.CFPUSH_MAX_UPLOAD_BYTES = '2048';
    try {
      mp = multipartFile('bits', 'droplet.tgz', Buffer.alloc(100_000, 1));
      assertError(
        await api.call('POST', `/v3/droplets/${d3.guid}/upload`, mp.body, { 'content-type': mp.contentType }),
        422,
        10008,
        'CF-UnprocessableEntity',
        'Droplet may not be larger than 2048 bytes',
      );
    } finally {
      delete process.env.CFPUSH_MAX_UPLOAD_BYTES;
    }
    assert.equal((await api.get(`/v3/droplets/${d3.guid}`)).json.state, 'AWAITING_UPLOAD');
  });
});

describe('rolling deployments', { concurrency: false }, () => {
  let app: any;
  let v1: string;

  /** Polls through the router while `during` runs; every answer must be a 200 from the app. */
  async function serveThroughout(host: string, during: () => Promise<void>): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let done = false;
    const poller = (async () => {
      while (!done) {
        const r = await routerGet(host).catch((e: Error) => ({ status: 0, text: e.message }));
        if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
        else seen.set(r.text.split(':')[0]!, (seen.get(r.text.split(':')[0]!) ?? 0) + 1);
      }
    })();
    try {
      await during();
    } finally {
      done = true;
      await poller;
    }
    assert.deepEqual(failures, [], 'no failed request through the router');
    return seen;
  }

  const deployment = async (guid: string) => (await api.get(`/v3/deployments/${guid}`)).json;
  const finalized = (guid: string) =>
    until(
      async () => {
        const d = await deployment(guid);
        return d.status.value === 'FINALIZED' ? d : undefined;
      },
      90_000,
      'deployment FINALIZED',
      50,
    );

  before(async () => {
    ({ app } = await pushNoStart(api, 'rolling', appDir, '  instances: 2\n  env: {TAG: v1}\n'));
    assert.equal((await api.post(`/v3/apps/${app.guid}/actions/start`)).status, 200);
    await waitRunning(api, app.guid);
    v1 = (await api.get(`/v3/apps/${app.guid}/droplets/current`)).json.guid;
  });

  test('rolling: new web instances come up before old ones go; 0 failed requests; FINALIZED/DEPLOYED', async () => {
    // Stage v2 (same code, TAG is read at start: v2 instances answer "v2:<i>").
    await api.patch(`/v3/apps/${app.guid}/environment_variables`, { var: { TAG: 'v2' } });
    const build = await uploadAndStage(api, app.guid, appDir);
    let d: any;
    const seen = await serveThroughout('rolling.localhost', async () => {
      const res = await api.post('/v3/deployments', { droplet: { guid: build.droplet.guid }, relationships: { app: { data: { guid: app.guid } } } });
      assert.equal(res.status, 201, res.text);
      d = res.json;
      assert.equal(d.strategy, 'rolling');
      assert.deepEqual(d.status.value, 'ACTIVE');
      assert.deepEqual(d.status.reason, 'DEPLOYING');
      assert.equal(d.state, 'DEPLOYING');
      assert.equal(d.droplet.guid, build.droplet.guid);
      assert.equal(d.previous_droplet.guid, v1);
      assert.equal(d.options.max_in_flight, 1);
      assert.equal(d.new_processes.length, 1);
      assert.equal(d.new_processes[0].type, 'web');
      assert.equal(d.relationships.app.data.guid, app.guid);
      assert.equal(d.links.cancel.href, `${f.apiUrl}/v3/deployments/${d.guid}/actions/cancel`);
      // While it runs the app has two web processes.
      const webs = (await api.get(`/v3/apps/${app.guid}/processes?types=web`)).json.resources;
      assert.equal(webs.length, 2);
      d = await finalized(d.guid);
    });
    assert.equal(d.status.reason, 'DEPLOYED');
    assert.equal(d.state, 'DEPLOYED');
    assert.ok((seen.get('v2') ?? 0) > 0, `served by v2 during the rollout: ${JSON.stringify([...seen])}`);
    const webs = (await api.get(`/v3/apps/${app.guid}/processes?types=web`)).json.resources;
    assert.equal(webs.length, 1);
    assert.equal(webs[0].guid, d.new_processes[0].guid);
    assert.equal(webs[0].instances, 2);
    assert.equal((await api.get(`/v3/apps/${app.guid}/droplets/current`)).json.guid, build.droplet.guid);
    await waitRunning(api, app.guid);
    for (let i = 0; i < 4; i++) assert.match((await routerGet('rolling.localhost')).text, /^v2:/);
    const listed = (await api.get(`/v3/deployments?app_guids=${app.guid}&status_values=FINALIZED`)).json;
    assert.deepEqual(
      listed.resources.map((x: any) => x.guid),
      [d.guid],
    );
    assertError(await api.post(`/v3/deployments/${d.guid}/actions/cancel`), 422, 10008, 'CF-UnprocessableEntity', 'Cannot cancel a DEPLOYED deployment');
  });

  test('cancel re-assigns the previous droplet and keeps serving; FINALIZED/CANCELED', async () => {
    const current = (await api.get(`/v3/apps/${app.guid}/droplets/current`)).json.guid;
    await api.patch(`/v3/apps/${app.guid}/environment_variables`, { var: { TAG: 'v3' } });
    let d: any;
    await serveThroughout('rolling.localhost', async () => {
      // Cancelled right away: the new process goes, the old instances and droplet stay.
      const res = await api.post('/v3/deployments', {
        droplet: { guid: v1 },
        options: { max_in_flight: 2 },
        relationships: { app: { data: { guid: app.guid } } },
      });
      assert.equal(res.status, 201, res.text);
      d = res.json;
      assert.equal(d.options.max_in_flight, 2);
      const cancel = await api.post(`/v3/deployments/${d.guid}/actions/cancel`);
      assert.equal(cancel.status, 200, cancel.text);
      assert.ok(['CANCELING', 'CANCELED'].includes(cancel.json.status.reason));
      d = await finalized(d.guid);
    });
    assert.equal(d.status.reason, 'CANCELED');
    assert.equal((await api.get(`/v3/apps/${app.guid}/droplets/current`)).json.guid, current);
    const webs = (await api.get(`/v3/apps/${app.guid}/processes?types=web`)).json.resources;
    assert.equal(webs.length, 1);
    assert.equal(webs[0].instances, 2);
    await waitRunning(api, app.guid);
    // The previous droplet serves. Its env is the app's current one if an old
    // instance had already been replaced before the cancel landed (a race CF
    // has too: cancel restores the old process, started with today's env).
    assert.match((await routerGet('rolling.localhost')).text, /^v[23]:/);
  });

  const reasonIs = (guid: string, reason: string) => deploymentReason(api, guid, reason);

  test('canary: one new instance next to the old ones, ACTIVE/PAUSED; continue rolls out the rest; 0 failed requests', async () => {
    await api.patch(`/v3/apps/${app.guid}/environment_variables`, { var: { TAG: 'c1' } });
    const build = await uploadAndStage(api, app.guid, appDir);
    let d: any;
    const seen = await serveThroughout('rolling.localhost', async () => {
      const res = await api.post('/v3/deployments', {
        strategy: 'canary',
        droplet: { guid: build.droplet.guid },
        relationships: { app: { data: { guid: app.guid } } },
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.json.strategy, 'canary');
      d = await reasonIs(res.json.guid, 'PAUSED');
      assert.equal(d.status.value, 'ACTIVE');
      assert.deepEqual(d.status.canary, { steps: { current: 1, total: 1 } });
      assert.equal(d.links.continue.href, `${f.apiUrl}/v3/deployments/${d.guid}/actions/continue`);
      const webs = (await api.get(`/v3/apps/${app.guid}/processes?types=web`)).json.resources;
      assert.deepEqual(webs.map((w: any) => w.instances).sort(), [1, 2], 'the old instances stay; one canary');
      // Both versions answer while paused.
      await until(async () => (await routerGet('rolling.localhost')).text.startsWith('c1:') || undefined, 10_000, 'the canary answering', 20);
      assertError(
        await api.post(`/v3/deployments/${d.guid}/actions/continue`).then(async (r) => {
          assert.equal(r.status, 200, r.text);
          return api.post(`/v3/deployments/${d.guid}/actions/continue`);
        }),
        422,
        10008,
        'CF-UnprocessableEntity',
        /^Cannot continue a deployment with status: (ACTIVE and reason: DEPLOYING|FINALIZED and reason: DEPLOYED)$/,
      );
      d = await finalized(d.guid);
    });
    assert.equal(d.status.reason, 'DEPLOYED');
    assert.ok((seen.get('c1') ?? 0) > 0);
    const webs = (await api.get(`/v3/apps/${app.guid}/processes?types=web`)).json.resources;
    assert.equal(webs.length, 1);
    assert.equal(webs[0].instances, 2);
    await waitRunning(api, app.guid);
    for (let i = 0; i < 4; i++) assert.match((await routerGet('rolling.localhost')).text, /^c1:/);
  });

  test("canary steps: the first step's weight of new instances replaces old ones; cancel while PAUSED restores the old droplet and instances", async () => {
    const current = (await api.get(`/v3/apps/${app.guid}/droplets/current`)).json.guid;
    let d: any;
    await serveThroughout('rolling.localhost', async () => {
      const res = await api.post('/v3/deployments', {
        strategy: 'canary',
        droplet: { guid: v1 },
        options: { canary: { steps: [{ instance_weight: 50 }, { instance_weight: 100 }] } },
        relationships: { app: { data: { guid: app.guid } } },
      });
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(res.json.options.canary, { steps: [{ instance_weight: 50 }, { instance_weight: 100 }] });
      d = await reasonIs(res.json.guid, 'PAUSED');
      assert.deepEqual(d.status.canary, { steps: { current: 1, total: 2 } });
      const webs = (await api.get(`/v3/apps/${app.guid}/processes?types=web`)).json.resources;
      assert.deepEqual(
        webs.map((w: any) => w.instances),
        [1, 1],
        '50 % of 2: one new, one old',
      );
      const cancel = await api.post(`/v3/deployments/${d.guid}/actions/cancel`);
      assert.equal(cancel.status, 200, cancel.text);
      d = await finalized(d.guid);
    });
    assert.equal(d.status.reason, 'CANCELED');
    assert.equal((await api.get(`/v3/apps/${app.guid}/droplets/current`)).json.guid, current);
    const webs = (await api.get(`/v3/apps/${app.guid}/processes?types=web`)).json.resources;
    assert.equal(webs.length, 1);
    assert.equal(webs[0].instances, 2, 'the old process is back to its instances');
  });

  test('bad canary requests: weights out of range or unsorted, canary options on a rolling deployment', async () => {
    const post = (body: any) => api.post('/v3/deployments', { ...body, relationships: { app: { data: { guid: app.guid } } } });
    assertError(
      await post({ strategy: 'canary', options: { canary: { steps: [{ instance_weight: 0 }] } } }),
      422,
      10008,
      'CF-UnprocessableEntity',
      'Canary instance weights must be integers between 1 and 100 (inclusive)',
    );
    assertError(
      await post({ strategy: 'canary', options: { canary: { steps: [{ instance_weight: 50 }, { instance_weight: 20 }] } } }),
      422,
      10008,
      'CF-UnprocessableEntity',
      'Canary steps must be sorted in ascending order',
    );
    assertError(
      await post({ strategy: 'canary', options: { canary: { steps: [] } } }),
      422,
      10008,
      'CF-UnprocessableEntity',
      'Canary steps must be a non-empty array of objects',
    );
    assertError(
      await post({ options: { canary: { steps: [{ instance_weight: 10 }] } } }),
      422,
      10008,
      'CF-UnprocessableEntity',
      'Options canary are only valid for Canary deployments',
    );
    const webs = (await api.get(`/v3/apps/${app.guid}/processes?types=web`)).json.resources;
    assert.equal(webs.length, 1, 'no deployment was started by a bad request');
  });

  test('bad deployment requests: no droplet, bad max_in_flight, unknown strategy', async () => {
    const bare = await createApp(api, 'no-droplet');
    assertError(
      await api.post('/v3/deployments', { relationships: { app: { data: { guid: bare.guid } } } }),
      422,
      10008,
      'CF-UnprocessableEntity',
      'Invalid droplet. Please specify a droplet in the request or set a current droplet for the app.',
    );
    assertError(
      await api.post('/v3/deployments', { options: { max_in_flight: 0 }, relationships: { app: { data: { guid: app.guid } } } }),
      422,
      10008,
      'CF-UnprocessableEntity',
      'Max in flight must be an integer greater than 0',
    );
    assertError(
      await api.post('/v3/deployments', { strategy: 'yolo', relationships: { app: { data: { guid: app.guid } } } }),
      422,
      10008,
      'CF-UnprocessableEntity',
      "Strategy 'yolo' is not a supported deployment strategy",
    );
    const named = await appByName(api, 'rolling');
    assert.equal(named.state, 'STARTED');
  });
});

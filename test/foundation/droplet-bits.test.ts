// Droplets as content-addressed bits: a blob droplet-blobs/<sha256[0:2]>/<sha256>
// (what download serves) and one exploded droplets/<sha256>/ per checksum,
// shared by the records that have it, gone with the last of them; leftovers
// of a crash swept at start; CC's retention of 5 staged droplets + current;
// an old-layout data dir (droplets/<guid>/, checksum null) gets blobs in the background.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { after, describe, test } from 'node:test';
import type { RunningFoundation } from '../../src/foundation/server';
import { Api, cleanup, http, nodeApp, push, startTestFoundation, tempDir, until, waitRunning } from './helpers';
import { appByName, applyOk, ECHO_APP, multipartFile, procfileApp, pushNoStart, stageTgz, uploadAndStage } from './conformance/util';

const dirs: string[] = [];
const running: RunningFoundation[] = [];
after(async () => {
  for (const f of running) await f.close();
  for (const d of dirs) cleanup(d);
});

function dir(d = tempDir()): string {
  dirs.push(d);
  return d;
}

async function start(dataDir: string): Promise<{ f: RunningFoundation; api: Api }> {
  const f = await startTestFoundation(dataDir);
  running.push(f);
  return { f, api: await Api.connect(f) };
}

async function stop(f: RunningFoundation): Promise<void> {
  running.splice(running.indexOf(f), 1);
  await f.close();
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const blobPath = (data: string, sum: string) => join(data, 'droplet-blobs', sum.slice(0, 2), sum);

/** Every blob file and every exploded dir on disk. */
function bitsOnDisk(data: string): { blobs: string[]; trees: string[] } {
  const root = join(data, 'droplet-blobs');
  const blobs = readdirSync(root).flatMap((s) => readdirSync(join(root, s)));
  return { blobs: blobs.sort(), trees: readdirSync(join(data, 'droplets')).sort() };
}

/** The bits on disk once the blobs due after staging are written (droplet-bits.ts writes them a moment later). */
async function settledBits(data: string, want: { blobs: string[]; trees: string[] }): Promise<void> {
  await until(async () => isDeepStrictEqual(bitsOnDisk(data), want) || undefined, 15_000, 'the blobs written').catch(() => undefined);
  assert.deepEqual(bitsOnDisk(data), want);
}

async function checksumOf(api: Api, dropletGuid: string): Promise<string> {
  const d = (await api.get(`/v3/droplets/${dropletGuid}`)).json;
  assert.equal(d.checksum?.type, 'sha256', JSON.stringify(d.checksum));
  assert.match(d.checksum.value, /^[0-9a-f]{64}$/);
  return d.checksum.value;
}

async function download(api: Api, dropletGuid: string): Promise<Buffer> {
  const res = await fetch(`${api.f.apiUrl}/v3/droplets/${dropletGuid}/download`, { headers: { authorization: `bearer ${api.token}` } });
  assert.equal(res.status, 200, await res.clone().text());
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(res.headers.get('content-length'), String(body.length));
  return body;
}

/** A droplet record of `appGuid` with `tgz` uploaded into it. */
async function uploadDroplet(api: Api, appGuid: string, tgz: Buffer): Promise<string> {
  const d = (await api.post('/v3/droplets', { relationships: { app: { data: { guid: appGuid } } } })).json;
  const mp = multipartFile('bits', 'droplet.tgz', tgz);
  const up = await api.call('POST', `/v3/droplets/${d.guid}/upload`, mp.body, { 'content-type': mp.contentType });
  assert.equal(up.status, 202, up.text);
  return d.guid;
}

async function startOn(api: Api, appGuid: string, dropletGuid: string): Promise<void> {
  assert.equal((await api.patch(`/v3/apps/${appGuid}/relationships/current_droplet`, { data: { guid: dropletGuid } })).status, 200);
  const res = await api.post(`/v3/apps/${appGuid}/actions/restart`);
  assert.equal(res.status, 200, res.text);
  await waitRunning(api, appGuid);
}

async function serves(f: RunningFoundation, name: string): Promise<void> {
  const res = await http(`${f.routerUrl}/`, { headers: { host: `${name}.localhost` } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, 'v:0');
}

async function deleted(api: Api, path: string): Promise<void> {
  const res = await api.del(path);
  assert.equal(res.status, 202, res.text);
  assert.equal((await api.job(res.headers.location as string)).state, 'COMPLETE');
}

describe('droplet bits', { timeout: 120_000 }, () => {
  test('a staged droplet has a sha256 checksum; its download hashes to it; blob and exploded dir are keyed by it', async () => {
    const data = dir();
    const { api } = await start(data);
    const { build } = await pushNoStart(api, 'sum', dir(procfileApp(ECHO_APP)));
    const sum = await checksumOf(api, build.droplet.guid);
    assert.equal(sha256(await download(api, build.droplet.guid)), sum);
    assert.deepEqual(bitsOnDisk(data), { blobs: [sum], trees: [sum] });
    assert.equal(sha256(readFileSync(blobPath(data, sum))), sum);
    assert.ok(existsSync(join(data, 'droplets', sum, 'app', 'server.js')));
  });

  test("a staging's blob is written after the record (the app can start from the tree), by itself and before a stop", async () => {
    const data = dir();
    const { f, api } = await start(data);
    const a = await pushNoStart(api, 'later', dir(procfileApp(ECHO_APP)));
    const s1 = await checksumOf(api, a.build.droplet.guid);
    assert.deepEqual(bitsOnDisk(data).trees, [s1], 'the tree is in place with the record');
    await until(async () => existsSync(blobPath(data, s1)) || undefined, 15_000, 'the blob written by itself');
    assert.equal(sha256(readFileSync(blobPath(data, s1))), s1);
    // A stop right after a staging: the blob is written before the foundation lets go of the data dir.
    const b = await pushNoStart(api, 'stopped', dir(procfileApp(ECHO_APP)));
    const s2 = await checksumOf(api, b.build.droplet.guid);
    await stop(f);
    assert.equal(sha256(readFileSync(blobPath(data, s2))), s2);
    assert.deepEqual(
      readdirSync(join(data, 'cache', 'droplet-segments')).filter((n) => n.startsWith('.pack-')),
      [],
      'no packing leftovers',
    );
  });

  test('one tgz uploaded to three records: one blob, one exploded dir; bits stay until the last record goes', async () => {
    const data = dir();
    const { f, api } = await start(data);
    const tgz = readFileSync(await stageTgz(dir(procfileApp(ECHO_APP))));
    const sum = sha256(tgz);
    await applyOk(api, 'applications:\n- name: twin-a\n  memory: 64M\n  default-route: true\n- name: twin-b\n  memory: 64M\n  default-route: true\n');
    const a = await appByName(api, 'twin-a');
    const b = await appByName(api, 'twin-b');
    const da = await uploadDroplet(api, a.guid, tgz);
    const db = await uploadDroplet(api, b.guid, tgz);
    const spare = await uploadDroplet(api, b.guid, tgz);
    for (const g of [da, db, spare]) assert.equal(await checksumOf(api, g), sum);
    assert.deepEqual(bitsOnDisk(data), { blobs: [sum], trees: [sum] });
    await startOn(api, a.guid, da);
    await startOn(api, b.guid, db);
    await serves(f, 'twin-a');
    await serves(f, 'twin-b');
    assert.equal(sha256(await download(api, spare)), sum);

    await deleted(api, `/v3/droplets/${spare}`);
    await deleted(api, `/v3/apps/${a.guid}`);
    assert.deepEqual(bitsOnDisk(data), { blobs: [sum], trees: [sum] });
    await startOn(api, b.guid, db); // a restart runs from the shared bits again
    await serves(f, 'twin-b');

    await deleted(api, `/v3/apps/${b.guid}`);
    assert.deepEqual(bitsOnDisk(data), { blobs: [], trees: [] });
  });

  test('re-staging an unchanged app a second later gives another checksum (tar keeps mtimes; 1 s resolution)', async () => {
    const data = dir();
    const { api } = await start(data);
    const appDir = dir(procfileApp(ECHO_APP));
    const { app, build } = await pushNoStart(api, 'again', appDir);
    await new Promise((r) => setTimeout(r, 1100));
    const again = await uploadAndStage(api, app.guid, appDir);
    const [s1, s2] = [await checksumOf(api, build.droplet.guid), await checksumOf(api, again.droplet.guid)];
    // The package files are written anew for each staging, so their mtimes (and the tgz bytes) differ.
    assert.notEqual(s1, s2);
    assert.equal(sha256(await download(api, again.droplet.guid)), s2);
    await settledBits(data, { blobs: [s1, s2].sort(), trees: [s1, s2].sort() });
  });

  test('leftovers of a crash (temp blob, temp exploded dir, unreferenced bits) are swept at start; a lost exploded dir is rebuilt; apps run', async () => {
    const data = dir();
    let { f, api } = await start(data);
    const { app, build } = await pushNoStart(api, 'survivor', dir(procfileApp(ECHO_APP)));
    assert.equal((await api.post(`/v3/apps/${app.guid}/actions/start`)).status, 200);
    await waitRunning(api, app.guid);
    const sum = await checksumOf(api, build.droplet.guid);
    await stop(f);

    const stray = 'f'.repeat(64);
    const leftovers = [
      join(data, 'tmp', 'stage-x', 'droplet.tgz'),
      join(data, 'droplet-blobs', sum.slice(0, 2), `${sum}.tmp-123-abc`),
      join(data, 'droplet-blobs', 'ff', stray),
      join(data, 'droplets', `${stray}.extract-123-abc`, 'app', 'server.js'),
      join(data, 'droplets', stray, 'app', 'server.js'),
    ];
    for (const p of leftovers) {
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, 'half');
    }
    rmSync(join(data, 'droplets', sum), { recursive: true });

    ({ f, api } = await start(data));
    for (const p of leftovers) assert.equal(existsSync(p), false, p);
    assert.deepEqual(bitsOnDisk(data), { blobs: [sum], trees: [sum] });
    await waitRunning(api, app.guid);
    await serves(f, 'survivor');
  });

  test('a lost blob is packed again from the exploded dir after start; the download still hashes to the checksum', async () => {
    const data = dir();
    let { f, api } = await start(data);
    const { app, build } = await pushNoStart(api, 'reblob', dir(procfileApp(ECHO_APP)));
    assert.equal((await api.post(`/v3/apps/${app.guid}/actions/start`)).status, 200);
    await stop(f);
    rmSync(join(data, 'droplet-blobs'), { recursive: true });

    ({ f, api } = await start(data));
    const sum = await checksumOf(api, build.droplet.guid);
    await waitRunning(api, app.guid);
    await serves(f, 'reblob');
    await until(async () => existsSync(blobPath(data, sum)) || undefined, 30_000, 'the blob packed again');
    assert.equal(sha256(await download(api, build.droplet.guid)), sum);
    assert.deepEqual(bitsOnDisk(data), { blobs: [sum], trees: [sum] });
  });

  test("two node apps share one compressed runtime in the foundation's segment cache; each droplet still has its own checksum", async () => {
    const data = dir();
    const { f, api } = await start(data);
    const sums: string[] = [];
    for (const name of ['rt-a', 'rt-b']) {
      const app = nodeApp(name, `require('http').createServer((q, s) => s.end('${name}')).listen(process.env.PORT);`);
      dirs.push(app);
      const { build } = await push(api, name, app);
      sums.push(await checksumOf(api, build.droplet.guid));
      const res = await http(`${f.routerUrl}/`, { headers: { host: `${name}.localhost` } });
      assert.equal(res.text, name);
    }
    assert.notEqual(sums[0], sums[1]);
    const segDir = join(data, 'cache', 'droplet-segments');
    const big = readdirSync(segDir).filter((n) => n.endsWith('.gz') && statSync(join(segDir, n)).size >= 1 << 20);
    assert.equal(big.length, 1, `one compressed node runtime for both apps: ${big}`);
    // One copy of the host's node for the whole foundation: each app's droplet links it (no 100 MB copy, nothing to hash).
    const inodes = sums.map((s) => statSync(join(data, 'droplets', s, 'deps', '0', 'bin', 'node')).ino);
    assert.equal(inodes[0], inodes[1], 'both droplets link the same runtime file');
    const shared = readdirSync(join(data, 'cache', 'runtimes')).filter((n) => n.startsWith('node-'));
    assert.equal(shared.length, 1, `one shared node runtime: ${shared}`);
    assert.equal(statSync(join(data, 'cache', 'runtimes', shared[0]!, 'node')).ino, inodes[0]);
    await stop(f);
  });

  test('retention: after 7 stagings an app keeps 5 staged droplets + its current one; the older bits are gone', async () => {
    const data = dir();
    const { f, api } = await start(data);
    const appDir = dir(procfileApp(ECHO_APP));
    await applyOk(api, 'applications:\n- name: often\n  memory: 64M\n  buildpacks: [binary]\n  default-route: true\n');
    const app = await appByName(api, 'often');
    const staged: { guid: string; sum: string }[] = [];
    for (let i = 0; i < 7; i++) {
      writeFileSync(join(appDir, 'version.txt'), `${i}\n`); // every droplet differs
      const build = await uploadAndStage(api, app.guid, appDir);
      staged.push({ guid: build.droplet.guid, sum: await checksumOf(api, build.droplet.guid) });
      assert.equal((await api.patch(`/v3/apps/${app.guid}/relationships/current_droplet`, { data: { guid: build.droplet.guid } })).status, 200);
    }
    const kept = (await api.get(`/v3/apps/${app.guid}/droplets`)).json.resources.map((d: any) => d.guid);
    assert.deepEqual(
      kept.sort(),
      staged
        .slice(1)
        .map((d) => d.guid)
        .sort(),
    );
    assert.equal((await api.get(`/v3/droplets/${staged[0]!.guid}`)).status, 404);
    const sums = staged
      .slice(1)
      .map((d) => d.sum)
      .sort();
    await settledBits(data, { blobs: sums, trees: sums });
    assert.equal(existsSync(blobPath(data, staged[0]!.sum)), false);
    assert.equal((await api.post(`/v3/apps/${app.guid}/actions/start`)).status, 200);
    await waitRunning(api, app.guid);
    await serves(f, 'often');
  });

  test('an old-layout data dir (droplets/<guid>/, no blob): apps run from their folders at once; blobs and checksums follow in the background; a folder goes with its record', async () => {
    const data = dir();
    let { f, api } = await start(data);
    const { app, build } = await pushNoStart(api, 'legacy', dir(procfileApp(ECHO_APP)));
    const uploaded = await uploadDroplet(api, app.guid, readFileSync(await stageTgz(dir(procfileApp(`${ECHO_APP}\n// another\n`)))));
    assert.equal((await api.post(`/v3/apps/${app.guid}/actions/start`)).status, 200);
    await waitRunning(api, app.guid);
    await stop(f);

    // What the previous code wrote: exploded droplets/<guid>/, no blobs; staged droplets had checksum null,
    // uploaded ones the sha256 of their upload.
    const state = JSON.parse(readFileSync(join(data, 'state.json'), 'utf8'));
    for (const g of [build.droplet.guid, uploaded]) {
      const sum = state.droplets[g].checksum;
      renameSync(join(data, 'droplets', sum), join(data, 'droplets', g));
    }
    rmSync(join(data, 'droplet-blobs'), { recursive: true });
    state.droplets[build.droplet.guid].checksum = null;
    writeFileSync(join(data, 'state.json'), JSON.stringify(state));

    ({ f, api } = await start(data));
    await waitRunning(api, app.guid);
    await serves(f, 'legacy');
    const sums: string[] = [];
    for (const g of [build.droplet.guid, uploaded]) {
      const sum = await until(
        async () => {
          const d = (await api.get(`/v3/droplets/${g}`)).json;
          return d.checksum && existsSync(blobPath(data, d.checksum.value)) ? (d.checksum.value as string) : undefined;
        },
        30_000,
        `a blob for ${g}`,
      );
      assert.equal(sha256(await download(api, g)), sum);
      assert.ok(existsSync(join(data, 'droplets', g)), 'the folder instances may run from stays');
      sums.push(sum);
    }
    assert.deepEqual(bitsOnDisk(data), { blobs: [...sums].sort(), trees: [build.droplet.guid, uploaded].sort() });
    await serves(f, 'legacy');
    // A restart keeps the old folders (they are referenced), and deleting a droplet removes its folder and blob.
    await stop(f);
    ({ f, api } = await start(data));
    await waitRunning(api, app.guid);
    await serves(f, 'legacy');
    await deleted(api, `/v3/droplets/${uploaded}`);
    assert.deepEqual(bitsOnDisk(data), { blobs: [sums[0]!], trees: [build.droplet.guid] });
  });
});

// The data dir as an attacker on the same machine and a long-running laptop
// see it (issue 13 points 4 and 6): state, credentials and bits are this
// user's only (files 0600, folders 0700, an older 0755/0644 data dir fixed at
// start, CFPUSH_HOME 0700); and deleting apps gives the disk back (package
// blobs nothing lists, build caches of gone apps, expired packages), after
// deletes and at start.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunningFoundation } from '../../src/foundation/server';
import { MAX_VALID_PACKAGES } from '../../src/foundation/model';
import { cliEnv } from '../helpers/cli';
import { Api, cleanup, nodeApp, push, startTestFoundation, tempDir, until } from './helpers';

const mode = (p: string) => statSync(p).mode & 0o777;
const octal = (m: number) => m.toString(8).padStart(4, '0');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out.push(p);
    if (statSync(p).isDirectory()) walk(p, out);
  }
  return out;
}

/** Bytes in files under `dir`, except the log (it grows with every request). */
function du(dir: string): number {
  let n = 0;
  for (const p of walk(dir)) {
    const st = statSync(p);
    if (st.isFile() && !p.endsWith('foundation.log')) n += st.size;
  }
  return n;
}

describe('data dir', { timeout: 240_000 }, () => {
  const dirs: string[] = [];
  let f: RunningFoundation | undefined;
  after(async () => {
    await f?.close();
    for (const d of dirs) cleanup(d);
  });

  test('state, credentials, pids and bits are 0600 in 0700 folders; an older, open data dir is closed at start', async () => {
    const dataDir = join(tempDir('cfpush-modes-'), 'data');
    dirs.push(join(dataDir, '..'));
    f = await startTestFoundation(dataDir);
    const api = await Api.connect(f);
    const app = nodeApp('modes', `require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);`);
    dirs.push(app);
    await push(api, 'modes', app, '  command: node server.js\n  env:\n    SECRET: s3cret\n');
    const space = await api.space();
    await api.post('/v3/service_instances', {
      type: 'user-provided',
      name: 'creds',
      credentials: { password: 'hunter2' },
      relationships: { space: { data: { guid: space.guid } } },
    });

    assert.equal(octal(mode(dataDir)), '0700');
    for (const sub of ['blobs', 'droplets', 'droplet-blobs', 'cache', 'tmp']) assert.equal(octal(mode(join(dataDir, sub))), '0700', sub);
    for (const file of ['state.json', 'credentials.json', 'jwt-secret', 'pids.json', 'foundation.json']) {
      assert.equal(octal(mode(join(dataDir, file))), '0600', file);
    }
    await f.close();
    f = undefined;
    // (After the stop: a staging's droplet blob is written once stagings pause, or before a stop.)
    const blobs = walk(join(dataDir, 'blobs')).filter((p) => statSync(p).isFile());
    const dropletBlobs = walk(join(dataDir, 'droplet-blobs')).filter((p) => statSync(p).isFile());
    assert.ok(blobs.length > 0 && dropletBlobs.length > 0);
    for (const p of [...blobs, ...dropletBlobs]) assert.equal(octal(mode(p)), '0600', p);

    // A data dir an older version left open to everyone is closed at the next start.
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'blobs'), 0o755);
    chmodSync(join(dataDir, 'state.json'), 0o644);
    f = await startTestFoundation(dataDir);
    assert.equal(octal(mode(dataDir)), '0700');
    assert.equal(octal(mode(join(dataDir, 'blobs'))), '0700');
    assert.equal(octal(mode(join(dataDir, 'state.json'))), '0600');
    await f.close();
    f = undefined;
  });

  test('CFPUSH_HOME is created 0700, with its config and tokens 0600', async () => {
    const c = await cliEnv();
    try {
      // cliEnv made the folder; an older version made it 0755.
      chmodSync(c.home, 0o755);
      // Saves the target, then says it needs a login (nothing answers there): the config is written either way.
      await c.run(['target', 'work', '-a', 'https://api.example.invalid']);
      assert.equal(octal(mode(c.home)), '0700');
      assert.equal(octal(mode(join(c.home, 'config.json'))), '0600');
      await c.ok(['foundation', 'start']);
      assert.equal(octal(mode(join(c.home, 'foundation'))), '0700');
      assert.equal(octal(mode(join(c.home, 'foundation', 'foundation.log'))), '0600');
      await c.ok(['target', 'local']);
      await c.ok(['apps']);
      assert.equal(octal(mode(join(c.home, 'tokens.json'))), '0600');
    } finally {
      await c.run(['foundation', 'stop']);
      await c.cleanup();
    }
  });

  test('after deleting apps the disk is back within 256 KB of where it was; leftovers go at start', async () => {
    const dataDir = join(tempDir('cfpush-gc-'), 'data');
    dirs.push(join(dataDir, '..'));
    f = await startTestFoundation(dataDir);
    const api = await Api.connect(f);
    // A first app warms the shared caches (the compressed node runtime every app shares stays: it is a cache).
    const warm = nodeApp('gc-warm', `require('http').createServer((q, s) => s.end('warm')).listen(process.env.PORT);`);
    dirs.push(warm);
    await push(api, 'gc-warm', warm, '  command: node server.js\n');
    const baseline = du(dataDir);

    const guids: string[] = [];
    for (const name of ['gc-a', 'gc-b', 'gc-c']) {
      const dir = nodeApp(name, `require('http').createServer((q, s) => s.end('${name}')).listen(process.env.PORT);`);
      dirs.push(dir);
      // Each with a megabyte of its own, pushed twice with a change (two packages, two droplets).
      writeFileSync(join(dir, 'data.bin'), Buffer.alloc(1 << 20, name));
      const { app } = await push(api, name, dir, '  command: node server.js\n');
      writeFileSync(join(dir, 'data.bin'), Buffer.alloc(1 << 20, `${name}2`));
      await push(api, name, dir, '  command: node server.js\n');
      guids.push(app.guid);
    }
    const full = du(dataDir);
    assert.ok(full > baseline + 6 * (1 << 20), `pushing grew the data dir (${baseline} → ${full})`);

    for (const guid of guids) {
      const del = await api.del(`/v3/apps/${guid}`);
      assert.equal(del.status, 202);
      assert.equal((await api.job(del.headers.location as string)).state, 'COMPLETE');
    }
    const bound = 256 * 1024;
    // The sweep removes blobs, then caches: wait for both (the disk can be back under the bound before the caches go).
    const after = await until(
      async () => {
        const n = du(dataDir);
        return n <= baseline + bound && guids.every((g) => !existsSync(join(dataDir, 'cache', g))) ? n : undefined;
      },
      15_000,
      'disk use back near the baseline',
    ).catch(() => du(dataDir));
    assert.ok(after <= baseline + bound, `disk use ${baseline} before, ${full} with the apps, ${after} after deleting them (bound +${bound})`);
    for (const guid of guids) assert.equal(existsSync(join(dataDir, 'cache', guid)), false, `build cache of ${guid}`);
    await f.close();
    f = undefined;

    // What a version without collection left: an unlisted blob, a gone app's cache. Both go at start.
    const stray = join(dataDir, 'blobs', 'ab', 'ab'.padEnd(40, '0'));
    mkdirSync(join(stray, '..'), { recursive: true });
    writeFileSync(stray, Buffer.alloc(4096));
    const old = new Date(Date.now() - 3600_000);
    utimesSync(stray, old, old);
    mkdirSync(join(dataDir, 'cache', '00000000-0000-0000-0000-000000000000'), { recursive: true });
    writeFileSync(join(dataDir, 'cache', '00000000-0000-0000-0000-000000000000', 'x'), 'x');
    f = await startTestFoundation(dataDir);
    await until(
      async () => !existsSync(stray) && !existsSync(join(dataDir, 'cache', '00000000-0000-0000-0000-000000000000')),
      10_000,
      'leftovers swept at start',
    );
    // The live app still has what it needs.
    const api2 = await Api.connect(f);
    const warmApp = (await api2.get('/v3/apps?names=gc-warm')).json.resources[0];
    const pkgs = (await api2.get(`/v3/packages?app_guids=${warmApp.guid}`)).json.resources;
    assert.equal(pkgs.length, 1);
    assert.equal((await api2.post(`/v3/apps/${warmApp.guid}/actions/restart`)).status, 200);
    await f.close();
    f = undefined;
  });

  test(`an app keeps its newest ${MAX_VALID_PACKAGES} packages, as CC does; the blobs only older ones listed go`, async () => {
    const dataDir = join(tempDir('cfpush-pkgs-'), 'data');
    dirs.push(join(dataDir, '..'));
    f = await startTestFoundation(dataDir);
    const api = await Api.connect(f);
    const dir = nodeApp('pkgs', `require('http').createServer((q, s) => s.end('p')).listen(process.env.PORT);`);
    dirs.push(dir);
    let guid = '';
    for (let i = 0; i < MAX_VALID_PACKAGES + 2; i++) {
      writeFileSync(join(dir, 'version.txt'), `version ${i}`);
      guid = (await push(api, 'pkgs', dir, '  command: node server.js\n')).app.guid;
    }
    const pkgs = (await api.get(`/v3/packages?app_guids=${guid}`)).json.resources;
    assert.equal(pkgs.length, MAX_VALID_PACKAGES);
    const blobCount = () => walk(join(dataDir, 'blobs')).filter((p) => statSync(p).isFile()).length;
    // package.json + server.js are shared; each kept package has its own version.txt.
    await until(async () => blobCount() === 2 + MAX_VALID_PACKAGES, 10_000, `blobs of the ${MAX_VALID_PACKAGES} kept packages only (${blobCount()})`);
    await f.close();
    f = undefined;
  });
});

// State and safety: one foundation per data dir (the second names the pid and
// the dir), locks of dead foundations are taken over, leftovers of a killed
// staging are swept at start, and the foundation listens on 127.0.0.1 unless
// `--host` says otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startFoundation } from '../../src/foundation/server';
import { cliEnv, freePort } from '../helpers/cli';
import { cleanup, tempDir, until } from './helpers';
import { killMarked, okCli, runCli, snapshotCli } from './supervisor-helpers';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) cleanup(d);
});

function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

/** The local addresses listening on `port` (from /proc/net/tcp and tcp6). */
function listenAddrs(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue; // LISTEN
      const [hexAddr, hexPort] = f[1]!.split(':');
      if (parseInt(hexPort!, 16) !== port) continue;
      if (hexAddr!.length === 8)
        out.push(
          hexAddr!
            .match(/../g)!
            .reverse()
            .map((h) => parseInt(h, 16))
            .join('.'),
        );
      else out.push(hexAddr === '0'.repeat(32) ? '::' : hexAddr!);
    }
  }
  return out;
}

describe('data dir lock', { timeout: 60_000 }, () => {
  test('a second foundation on the same data dir fails, naming the running pid and the data dir', async () => {
    const cli = await snapshotCli();
    const c = await cliEnv();
    try {
      await okCli(cli, c.env, ['foundation', 'start'], c.home);
      const dataDir = join(c.home, 'foundation');
      const { pid } = JSON.parse(readFileSync(join(dataDir, 'foundation.json'), 'utf8')) as { pid: number };
      const r = await runCli(
        cli,
        c.env,
        ['foundation', 'start', '--foreground', '--api-port', String(await freePort()), '--router-port', String(await freePort())],
        c.home,
      );
      assert.notEqual(r.code, 0);
      const out = r.stdout + r.stderr;
      assert.ok(out.includes(`Another local foundation (pid ${pid}) is already using the data dir ${dataDir}.`), out);
      // The first one is unharmed.
      assert.equal((await runCli(cli, c.env, ['foundation', 'status'], c.home)).code, 0);
    } finally {
      await runCli(cli, c.env, ['foundation', 'stop'], c.home);
      killMarked(join(c.home, 'foundation'));
      await c.cleanup();
      cleanup(join(cli, '..', '..'));
    }
  });

  test('the lock of a SIGKILLed foundation (dead pid) is taken over at once', async () => {
    const d = dir();
    mkdirSync(join(d, 'foundation.lock'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(d, 'foundation.lock.pid'), dead);
    const t0 = Date.now();
    const f = await startFoundation({ dataDir: d, apiPort: 0, routerPort: 0 });
    try {
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      assert.equal(readFileSync(join(d, 'foundation.lock.pid'), 'utf8'), String(process.pid));
    } finally {
      await f.close();
    }
  });

  test('a lock without a holder pid (died while taking it) is taken over once stale', async () => {
    const d = dir();
    mkdirSync(join(d, 'foundation.lock'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(d, 'foundation.lock'), old, old);
    const f = await startFoundation({ dataDir: d, apiPort: 0, routerPort: 0 });
    await f.close();
    assert.equal(existsSync(join(d, 'foundation.lock.pid')), false, 'released on close');
  });
});

describe('crash leftovers', () => {
  test('droplet dirs with no record and tmp/ files are swept at start; recorded droplets stay (an old-layout one gets a blob)', async () => {
    const d = dir();
    const f1 = await startFoundation({ dataDir: d, apiPort: 0, routerPort: 0 });
    await f1.close();
    const state = JSON.parse(readFileSync(join(d, 'state.json'), 'utf8'));
    // A recorded droplet (as staging leaves it) and one a killed staging never recorded.
    const t = new Date().toISOString();
    state.droplets['kept-droplet'] = {
      guid: 'kept-droplet',
      created_at: t,
      updated_at: t,
      app_guid: 'x',
      package_guid: 'p',
      state: 'STAGED',
      error: null,
      process_types: {},
      buildpacks: [],
      stack: 'cflinuxfs4',
      checksum: null,
      execution_metadata: '',
    };
    writeFileSync(join(d, 'state.json'), JSON.stringify(state));
    for (const g of ['kept-droplet', 'half-staged']) mkdirSync(join(d, 'droplets', g, 'app'), { recursive: true });
    writeFileSync(join(d, 'tmp', 'upload-partial.zip'), 'half an upload');
    const f2 = await startFoundation({ dataDir: d, apiPort: 0, routerPort: 0 });
    try {
      assert.equal(existsSync(join(d, 'droplets', 'half-staged')), false);
      // An old-layout droplet (checksum null) keeps its folder and is packed into a blob in the background.
      assert.equal(existsSync(join(d, 'droplets', 'kept-droplet', 'app')), true);
      const sum = await until(
        async () => JSON.parse(readFileSync(join(d, 'state.json'), 'utf8')).droplets['kept-droplet'].checksum ?? undefined,
        30_000,
        'a checksum',
      );
      assert.match(sum, /^[0-9a-f]{64}$/);
      assert.equal(existsSync(join(d, 'droplet-blobs', sum.slice(0, 2), sum)), true);
      assert.equal(existsSync(join(d, 'tmp', 'upload-partial.zip')), false);
    } finally {
      await f2.close();
    }
  });
});

describe('listening address', { timeout: 60_000 }, () => {
  test('127.0.0.1 by default; --host 0.0.0.0 widens it', async () => {
    const f = await startFoundation({ dataDir: dir(), apiPort: 0, routerPort: 0 });
    try {
      assert.deepEqual(listenAddrs(f.apiPort), ['127.0.0.1']);
      assert.deepEqual(listenAddrs(f.routerPort), ['127.0.0.1']);
    } finally {
      await f.close();
    }
    const cli = await snapshotCli();
    const c = await cliEnv();
    try {
      await okCli(cli, c.env, ['foundation', 'start', '--host', '0.0.0.0'], c.home);
      assert.deepEqual(listenAddrs(c.apiPort), ['0.0.0.0']);
      assert.deepEqual(listenAddrs(c.routerPort), ['0.0.0.0']);
      const st = JSON.parse((await okCli(cli, c.env, ['foundation', 'status', '--json'], c.home)).stdout);
      assert.equal(st.running, true);
      assert.equal(st.apiUrl, `http://127.0.0.1:${c.apiPort}`);
    } finally {
      await runCli(cli, c.env, ['foundation', 'stop'], c.home);
      await c.cleanup();
      cleanup(join(cli, '..', '..'));
    }
    // The daemon started without --host is back on loopback.
    const c2 = await cliEnv();
    const cli2 = await snapshotCli();
    try {
      await okCli(cli2, c2.env, ['foundation', 'start'], c2.home);
      assert.deepEqual(listenAddrs(c2.apiPort), ['127.0.0.1']);
    } finally {
      await runCli(cli2, c2.env, ['foundation', 'stop'], c2.home);
      await c2.cleanup();
      cleanup(join(cli2, '..', '..'));
    }
  });
});

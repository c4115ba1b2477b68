// The foundation as a daemon: ports already in use, start/status/stop through
// the real CLI entry, and cleanup of apps a SIGKILLed foundation left behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { CfPushError } from '../../src/core/errors';
import { daemonStatus, startDaemon, stopDaemon } from '../../src/foundation/daemon';
import { startFoundation } from '../../src/foundation/server';
import { freePort } from '../../src/foundation/supervisor';
import { Api, cleanup, http, nodeApp, push, tempDir, until } from './helpers';

const CLI = resolve(__dirname, '../../../dist/cli.js');
const dirs: string[] = [];

after(() => {
  for (const d of dirs) cleanup(d);
});

async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, server };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ports in use', () => {
  test('startFoundation names the taken API port and the flag that changes it', async () => {
    const { port, server } = await occupy();
    const dir = tempDir();
    dirs.push(dir);
    try {
      await assert.rejects(startFoundation({ dataDir: dir, apiPort: port, routerPort: 0 }), (err: unknown) => {
        assert.ok(err instanceof CfPushError);
        assert.match(err.message, new RegExp(`Port ${port}\\b.*API port.*in use`));
        assert.match(err.hint ?? '', /--api-port/);
        return true;
      });
      // The lock was released: the same dir starts fine on free ports.
      const f = await startFoundation({ dataDir: dir, apiPort: 0, routerPort: 0 });
      await f.close();
    } finally {
      server.close();
    }
  });

  test('startDaemon refuses a taken router port before spawning', async () => {
    const { port, server } = await occupy();
    const dir = tempDir();
    dirs.push(dir);
    try {
      await assert.rejects(startDaemon({ dataDir: dir, apiPort: await freePort(), routerPort: port, cliPath: CLI }), (err: unknown) => {
        assert.ok(err instanceof CfPushError);
        assert.match(err.message, new RegExp(`Port ${port}\\b.*router port`));
        assert.match(err.hint ?? '', /--router-port/);
        return true;
      });
      assert.equal(existsSync(join(dir, 'foundation.json')), false);
    } finally {
      server.close();
    }
  });
});

describe('daemon', { concurrency: false }, () => {
  test('start, status, restart after SIGKILL kills leftover app processes, stop', async () => {
    assert.ok(existsSync(CLI), `${CLI} must be built (node build.mjs)`);
    const dir = tempDir();
    dirs.push(dir);
    const apiPort = await freePort();
    const routerPort = await freePort();
    const info = await startDaemon({ dataDir: dir, apiPort, routerPort, cliPath: CLI });
    try {
      assert.equal(info.apiUrl, `http://127.0.0.1:${apiPort}`);
      assert.equal(info.routerUrl, `http://127.0.0.1:${routerPort}`);
      const json = JSON.parse(readFileSync(join(dir, 'foundation.json'), 'utf8'));
      assert.equal(json.pid, info.pid);
      assert.equal(json.apiPort, apiPort);
      assert.equal(json.routerPort, routerPort);
      assert.match(json.startedAt, /^\d{4}-/);
      const st = await daemonStatus(dir);
      assert.equal(st.running, true);
      assert.equal(st.pid, info.pid);
      // Starting again returns the running one.
      assert.equal((await startDaemon({ dataDir: dir, apiPort, routerPort, cliPath: CLI })).pid, info.pid);

      const api = await Api.connect({ ...info, close: async () => undefined });
      const appDir = nodeApp('survivor', `require('http').createServer((q, s) => s.end('pid ' + process.pid)).listen(process.env.PORT);`);
      dirs.push(appDir);
      await push(api, 'survivor', appDir);
      const first = await http(`${info.routerUrl}/`, { headers: { host: 'survivor.localhost' } });
      const appPid = Number(first.text.replace('pid ', ''));
      assert.ok(alive(appPid));

      // A killed foundation leaves its app running; the next start must clean it up.
      process.kill(info.pid, 'SIGKILL');
      await until(async () => !alive(info.pid), 5000, 'daemon to die');
      assert.ok(alive(appPid), 'the app outlives a SIGKILLed foundation');
      assert.equal((await daemonStatus(dir)).running, false);

      const again = await startDaemon({ dataDir: dir, apiPort, routerPort, cliPath: CLI });
      assert.notEqual(again.pid, info.pid);
      await until(async () => !alive(appPid), 10_000, 'leftover app to be killed');
      const res = await until(
        async () => {
          const r = await http(`${again.routerUrl}/`, { headers: { host: 'survivor.localhost' } });
          return r.status === 200 ? r : undefined;
        },
        30_000,
        'app restarted by the new foundation',
      );
      const newPid = Number(res.text.replace('pid ', ''));
      assert.notEqual(newPid, appPid);

      await stopDaemon(dir);
      assert.equal(alive(again.pid), false);
      assert.equal(alive(newPid), false, 'stopping the foundation stops its apps');
      assert.equal((await daemonStatus(dir)).running, false);
      assert.equal(existsSync(join(dir, 'foundation.json')), false);
      assert.match(readFileSync(join(dir, 'foundation.log'), 'utf8'), /Local foundation running/);
    } finally {
      await stopDaemon(dir).catch(() => undefined);
    }
  });

  test('the CLI reports a taken port with the flag to use', async () => {
    assert.ok(existsSync(CLI), `${CLI} must be built (node build.mjs)`);
    const { port, server } = await occupy();
    const dir = tempDir();
    dirs.push(dir);
    try {
      let stderr = '';
      try {
        execFileSync(process.execPath, [CLI, 'foundation', 'start', '--data-dir', dir, '--api-port', String(port), '--router-port', String(await freePort())], {
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 20_000,
        });
      } catch (err) {
        stderr = String((err as { stderr?: Buffer }).stderr ?? '');
      }
      assert.match(stderr, new RegExp(`Port ${port}`));
      assert.match(stderr, /--api-port/);
    } finally {
      server.close();
    }
  });
});

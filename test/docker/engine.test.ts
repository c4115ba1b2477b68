// "Docker not running": every docker feature reports the same message, saying
// how to start the engine and that buildpack pushes do not need it. Runs
// without an engine (points DOCKER_HOST at sockets where none listens).
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildImage } from '../../src/core/docker/build';
import { DOCKER_NOT_RUNNING, connectEngine, engineAddress } from '../../src/core/docker/engine';
import { CfPushError, formatError } from '../../src/core/errors';
import { appFolder } from './engine';

const dir = mkdtempSync(join(tmpdir(), 'cfpush-nodocker-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function assertNotRunning(err: unknown, address: string): void {
  assert.ok(err instanceof CfPushError, String(err));
  assert.equal(err.code, DOCKER_NOT_RUNNING);
  const text = formatError(err);
  assert.match(text, /^Docker is not running/);
  assert.ok(text.includes(address), text);
  assert.match(text, /sudo dockerd/);
  assert.match(text, /Docker Desktop/);
  assert.match(text, /bash test\/hosts\/docker-host\.sh/);
  assert.match(text, /Buildpack pushes still work without Docker/);
}

async function withDockerHost<T>(value: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
}

describe('Docker not running', () => {
  test('DOCKER_HOST at a socket path where nothing listens', async () => {
    const host = `unix://${join(dir, 'docker.sock')}`;
    await withDockerHost(host, async () => {
      assert.equal(engineAddress(), host);
      const err = await connectEngine().catch((e: unknown) => e);
      assertNotRunning(err, host);
      assert.match((err as Error).message, /\(ENOENT\)/);
    });
  });

  test('an engine address that accepts but never answers counts as not running after the timeout', async () => {
    const path = join(dir, 'silent.sock');
    const sockets: Socket[] = [];
    const server: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(path, r));
    try {
      const t0 = Date.now();
      const err = await connectEngine({ host: `unix://${path}`, timeoutMs: 300 }).catch((e: unknown) => e);
      assertNotRunning(err, `unix://${path}`);
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  test('a build without an engine says the same', async () => {
    const host = `unix://${join(dir, 'none.sock')}`;
    const app = appFolder({ Dockerfile: 'FROM cfpush/busybox\n' });
    try {
      const err = await withDockerHost(host, () => buildImage({ appDir: app, appName: 'x' }).catch((e: unknown) => e));
      assertNotRunning(err, host);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
